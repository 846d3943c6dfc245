import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deniedStatements, runClient, startClientStack, type ClientProxy, type ClientStack, type ProgramRun } from './client-stack.ts';

/**
 * pgbench (PostgreSQL 15's) through `gatehouse proxy postgres` with the example policy, on the
 * dev database (analytics-dev, where its DDL is allowed) for its owning group `data`:
 * initialisation with client-side and server-side data generation, and the built-in scripts in
 * the three query modes. Runs are short (-t) on purpose: this checks that pgbench works, not
 * how fast (see `npm run bench` for that).
 */
const TRANSACTIONS = 5;

let stack: ClientStack;
let dev: ClientProxy;
let direct: pg.Client;

beforeAll(async () => {
  stack = await startClientStack({
    groups: ['data'],
    resources: [{ resource: 'analytics-dev', seed: 'GRANT USAGE, CREATE ON SCHEMA public TO gatehouse_proxy;' }],
  });
  dev = stack.proxy('analytics-dev');
  direct = await dev.direct();
}, 300_000);

afterAll(async () => {
  await direct?.end();
  await stack?.close();
});

function pgbench(args: string[]): Promise<ProgramRun> {
  return runClient('pgbench', args, dev.libpqEnv(), { timeoutMs: 240_000 });
}

async function why(run: ProgramRun): Promise<string> {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- refused\n${await deniedStatements(dev)}`;
}

async function count(table: string): Promise<number> {
  return (await direct.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

describe('pgbench through the proxy with the example policy', () => {
  it('pgbench -i with server-side generation (generate_series … AS bid) and foreign keys', async () => {
    const run = await pgbench(['-i', '-s', '1', '-I', 'dtGvpf']);
    expect(run.code, await why(run)).toBe(0);
    expect(run.stderr).toContain('server-side generate');
    expect(run.stderr).toContain('foreign keys');
    expect(await count('pgbench_branches')).toBe(1);
    expect(await count('pgbench_accounts')).toBe(100_000);
  }, 240_000);

  it('pgbench -i with the default steps (client-side COPY, vacuum, primary keys)', async () => {
    const run = await pgbench(['-i', '-s', '1']);
    expect(run.code, await why(run)).toBe(0);
    expect(run.stderr).toContain('client-side generate');
    expect(await count('pgbench_accounts')).toBe(100_000);
    expect(await count('pgbench_history')).toBe(0);
  }, 240_000);

  const scripts = ['select-only', 'simple-update', 'tpcb-like'];
  const modes = ['simple', 'extended', 'prepared'];
  describe.each(scripts)('-b %s', (script) => {
    it.each(modes)('-M %s', async (mode) => {
      const history = await count('pgbench_history');
      const run = await pgbench(['-n', '-b', script, '-M', mode, '-c', '1', '-t', String(TRANSACTIONS)]);
      expect(run.code, await why(run)).toBe(0);
      expect(run.stdout).toContain(`number of transactions actually processed: ${TRANSACTIONS}/${TRANSACTIONS}`);
      expect(run.stdout).toContain('number of failed transactions: 0');
      // select-only writes nothing; the others add one history row per transaction.
      expect(await count('pgbench_history')).toBe(history + (script === 'select-only' ? 0 : TRANSACTIONS));
    });
  });

  it('no statement pgbench sent was refused', async () => {
    expect(await deniedStatements(dev)).toBe('');
  });
});
