import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deniedStatements, installedTool, MASKED_VALUES, ORDERS_SEED, PAYMENTS_PLANNER, runClient, startClientStack, type ClientProxy, type ClientStack, type ProgramRun } from './client-stack.ts';

/**
 * psycopg 3 (PyPI `psycopg[binary]` in the virtualenv of scripts/install-psycopg) running
 * psycopg_client.py through `gatehouse proxy postgres` with the example policy on the production
 * database, for a planner who sees no personal data.
 */
let stack: ClientStack;
let orders: ClientProxy;
let direct: pg.Client;
let run: ProgramRun;
let steps: Map<string, unknown>;

beforeAll(async () => {
  const python = installedTool('GATEHOUSE_PSYCOPG_PYTHON', 'install-psycopg');
  stack = await startClientStack({ groups: PAYMENTS_PLANNER, resources: [{ resource: 'orders', seed: ORDERS_SEED }] });
  orders = stack.proxy('orders');
  direct = await orders.direct();
  run = await runClient(python, [join(import.meta.dirname, 'psycopg_client.py')], orders.libpqEnv());
  steps = new Map(
    run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { step: string; value: unknown })
      .map(({ step, value }) => [step, value] as [string, unknown]),
  );
}, 300_000);

afterAll(async () => {
  await direct?.end();
  await stack?.close();
});

async function why(): Promise<string> {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- refused\n${await deniedStatements(orders)}`;
}

async function sentTexts(): Promise<string[]> {
  return (await orders.sessionEvents()).filter((event) => event.data.event === 'statement').map((event) => String(event.data.text));
}

describe('psycopg 3 through the proxy with the example policy', () => {
  it('runs to the end', async () => {
    expect(run.code, await why()).toBe(0);
    expect(steps.get('connected')).toMatchObject({ status: 'OK' });
    expect(steps.get('encoding')).toBe('utf-8');
  });

  it('prepared statements, also when psycopg evicts them with a protocol-level Close', async () => {
    expect(steps.get('prepared'), await why()).toEqual(['12.50', '99.00', '7.25', '12.50', '99.00', '7.25', '12.50']);
    expect(steps.get('evictions')).toEqual([3, 3, 1, 3]);
  });

  it('masks only the personal-data column a statement reads', async () => {
    expect(steps.get('masked'), await why()).toEqual(['Ann', '********']);
    expect(steps.get('unmasked')).toBe('Bob');
    for (const value of MASKED_VALUES) expect(run.stdout).not.toContain(value);
  });

  it('an error in a transaction, then rollback (ROLLBACK and DEALLOCATE ALL), and the session goes on', async () => {
    expect(steps.get('error'), await why()).toMatchObject({ error: 'DivisionByZero', sqlstate: '22012' });
    expect(steps.get('status-after-error')).toBe('INERROR');
    expect(steps.get('after-rollback')).toBe('99.00');
    expect(await sentTexts()).toContain('DEALLOCATE ALL');
  });

  it('transactions with savepoints commit what they should and roll back the rest', async () => {
    expect(steps.get('savepoint-error'), await why()).toMatchObject({ error: 'UniqueViolation', sqlstate: '23505' });
    expect(steps.get('transactions')).toEqual([400, 401]);
    const texts = await sentTexts();
    expect(texts.some((text) => /^SAVEPOINT /.test(text))).toBe(true);
    expect(texts.some((text) => /^ROLLBACK TO /.test(text))).toBe(true);
    const rows = await direct.query<{ id: number; body: string }>('SELECT id, body FROM notes WHERE id BETWEEN 400 AND 402 ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 400, body: 'outer' },
      { id: 401, body: 'after savepoint' },
    ]);
  });

  it('executemany and pipeline mode', async () => {
    expect(steps.get('executemany'), await why()).toBe(5);
    expect(steps.get('pipeline')).toEqual(['12.50', 'Cy', '7.25']);
  });

  it('COPY to the client', async () => {
    expect(steps.get('copy-out'), await why()).toEqual([
      ['10', '12.50'],
      ['11', '99.00'],
      ['12', '7.25'],
    ]);
  });

  it('DISCARD ALL is allowed and prepared statements work again after it', async () => {
    expect(steps.get('after-discard'), await why()).toBe('7.25');
    expect(await sentTexts()).toContain('DISCARD ALL');
  });

  it('guardrails hold: DROP, search_path, role and the settings that change how text is read are refused with 42501', async () => {
    const refused = steps.get('refused') as Record<string, { sqlstate?: string; message?: string }>;
    expect(refused, await why()).toBeDefined();
    for (const name of ['drop', 'search_path', 'role', 'standard_conforming_strings', 'client_encoding']) {
      expect(refused[name], name).toMatchObject({ error: 'InsufficientPrivilege', sqlstate: '42501' });
    }
    expect(refused.drop!.message).toContain('DROP is not allowed on production');
    expect(refused.search_path!.message).toContain('search_path');
    expect(steps.get('still-usable')).toBe('12.50');
    expect((await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM notes')).rows[0]!.n).toBeGreaterThan(0);
  });
});
