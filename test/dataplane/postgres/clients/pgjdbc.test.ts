import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deniedStatements, installedTool, MASKED_VALUES, ORDERS_SEED, PAYMENTS_PLANNER, runClient, startClientStack, type ClientProxy, type ClientStack, type ProgramRun } from './client-stack.ts';

/**
 * pgjdbc (the PostgreSQL JDBC driver, fetched from Maven Central by scripts/install-pgjdbc) in a
 * small Java program compiled with javac at test time, through `gatehouse proxy postgres` with
 * the example policy on the production database, for a planner who sees no personal data.
 */
let stack: ClientStack;
let orders: ClientProxy;
let direct: pg.Client;
let work: string;
let run: ProgramRun;
let steps: Map<string, string>;

beforeAll(async () => {
  const jar = installedTool('GATEHOUSE_PGJDBC_JAR', 'install-pgjdbc');
  work = await mkdtemp(join(tmpdir(), 'gatehouse-pgjdbc-'));
  await copyFile(join(import.meta.dirname, 'PgjdbcClient.java'), join(work, 'PgjdbcClient.java'));
  const compiled = await runClient('javac', ['-d', work, '-cp', jar, join(work, 'PgjdbcClient.java')], {});
  if (compiled.code !== 0) throw new Error(`javac failed:\n${compiled.stderr}`);
  stack = await startClientStack({ groups: PAYMENTS_PLANNER, resources: [{ resource: 'orders', seed: ORDERS_SEED }] });
  orders = stack.proxy('orders');
  direct = await orders.direct();
  run = await runClient('java', ['-cp', `${jar}:${work}`, 'PgjdbcClient', String(orders.port), orders.resource], { PGPASSWORD: orders.token });
  steps = new Map(
    run.stdout
      .split('\n')
      .filter((line) => line.includes('\t'))
      .map((line) => [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)] as [string, string]),
  );
}, 300_000);

afterAll(async () => {
  await direct?.end();
  await stack?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function why(): Promise<string> {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- refused\n${await deniedStatements(orders)}`;
}

describe('pgjdbc through the proxy with the example policy', () => {
  it('runs to the end with a plain URL (the driver start-up is allowed)', async () => {
    expect(run.code, await why()).toBe(0);
    expect(steps.get('connected')).toBe('PostgreSQL');
  });

  it('prepared statements keep working past the server-prepare threshold', async () => {
    expect(steps.get('prepared'), await why()).toBe('12.50,99.00,7.25,12.50,99.00,7.25,12.50,99.00');
  });

  it('personal data comes back masked', async () => {
    expect(steps.get('masked'), await why()).toBe('Ann ********');
    for (const value of MASKED_VALUES) expect(run.stdout).not.toContain(value);
  });

  it('DatabaseMetaData: tables, columns, primary keys, foreign keys and indexes', async () => {
    expect(steps.get('tables'), await why()).toBe('customers,notes,orders');
    expect(steps.get('columns')).toBe('id,customer_id,total,placed_at');
    expect(steps.get('primary-keys')).toBe('id');
    expect(steps.get('imported-keys')).toBe('customer_id');
    expect(steps.get('indexes')?.split(',').sort()).toEqual(['orders_customer_idx', 'orders_pkey']);
  });

  it('a savepoint survives a failed statement and the transaction commits', async () => {
    expect(steps.get('duplicate'), await why()).toBe('23505');
    expect(steps.get('committed')).toBe('200,201');
    const rows = await direct.query<{ id: number; body: string }>('SELECT id, body FROM notes WHERE id IN (200, 201) ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 200, body: 'jdbc' },
      { id: 201, body: 'after savepoint' },
    ]);
  });

  it('a batch runs, and isolation level and read-only switches are allowed', async () => {
    expect(steps.get('batch'), await why()).toBe('5');
    expect((await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM notes WHERE id BETWEEN 300 AND 304')).rows[0]!.n).toBe(5);
    expect(steps.get('read-only')).toBe('3');
  });

  it('guardrails hold: DROP and search_path are refused with 42501 and the connection goes on', async () => {
    expect(steps.get('drop'), await why()).toMatch(/^error 42501 .*DROP is not allowed on production/);
    expect(steps.get('search-path')).toMatch(/^error 42501 .*search_path/);
    expect(steps.get('still-usable')).toBe('7.25');
    expect((await direct.query('SELECT 1 FROM notes LIMIT 1')).rowCount).toBe(1);
  });

  it('every statement the driver sent on its own was allowed', async () => {
    const refused = (await orders.sessionEvents()).filter((event) => event.data.outcome === 'denied').map((event) => String(event.data.text));
    expect(refused).toEqual(['DROP TABLE notes', 'SET search_path = pg_temp, public']);
  });
});
