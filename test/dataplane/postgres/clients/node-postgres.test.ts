import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deniedStatements, MASKED_VALUES, ORDERS_SEED, PAYMENTS_PLANNER, startClientStack, type ClientProxy, type ClientStack } from './client-stack.ts';

/**
 * node-postgres (`pg`) through `gatehouse proxy postgres` with the example policy on the
 * production database, for a planner who sees no personal data: parameterised and named
 * queries, transactions, and the session an ORM sets up (application_name, TimeZone, savepoints
 * around each unit of work). Also: a mask obligation only for statements that read a
 * personal-data column, and the settings that change how text is read or who acts stay refused.
 */
let stack: ClientStack;
let orders: ClientProxy;
let direct: pg.Client;

beforeAll(async () => {
  stack = await startClientStack({ groups: PAYMENTS_PLANNER, resources: [{ resource: 'orders', seed: ORDERS_SEED }] });
  orders = stack.proxy('orders');
  direct = await orders.direct();
}, 300_000);

afterAll(async () => {
  await direct?.end();
  await stack?.close();
});

async function connect(extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ host: orders.host, port: orders.port, database: orders.resource, user: 'agent-7', password: orders.token, ...extra });
  await client.connect();
  return client;
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>, extra: Partial<pg.ClientConfig> = {}): Promise<T> {
  const client = await connect(extra);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return promise.then(
    () => ({ message: 'ran' }),
    (error: { code?: string; message: string }) => ({ code: error.code, message: error.message }),
  );
}

/** The decision the service took for a statement text (the latest one), as recorded in its audit. */
async function decisionFor(text: string): Promise<{ effect: string; obligations: Record<string, unknown> }> {
  const events = await stack.decisionEvents();
  const found = events.filter((event) => (event.data.input as { context?: { sql?: { text?: string } } }).context?.sql?.text === text).pop();
  if (!found) throw new Error(`no decision recorded for ${text}`);
  return { effect: String(found.data.effect), obligations: found.data.obligations as Record<string, unknown> };
}

describe('node-postgres through the proxy with the example policy', () => {
  it('parameterised and named (prepared) queries', async () => {
    await withClient(async (c) => {
      const one = await c.query<{ total: string }>('SELECT total FROM orders WHERE id = $1', [11]);
      expect(one.rows).toEqual([{ total: '99.00' }]);
      const named = { name: 'order-total', text: 'SELECT total FROM orders WHERE id = $1' };
      const totals: string[] = [];
      for (const id of [10, 11, 12, 10]) totals.push((await c.query<{ total: string }>({ ...named, values: [id] })).rows[0]!.total);
      expect(totals).toEqual(['12.50', '99.00', '7.25', '12.50']);
      const inserted = await c.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [500, 'from node']);
      expect(inserted.rowCount).toBe(1);
    });
    expect((await direct.query('SELECT body FROM notes WHERE id = 500')).rows).toEqual([{ body: 'from node' }]);
  });

  it('a transaction commits, another rolls back after an error, and the connection goes on', async () => {
    await withClient(async (c) => {
      await c.query('BEGIN');
      await c.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [501, 'committed']);
      await c.query('COMMIT');
      await c.query('BEGIN');
      await c.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [502, 'rolled back']);
      expect(await failure(c.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [501, 'duplicate']))).toMatchObject({ code: '23505' });
      await c.query('ROLLBACK');
      expect((await c.query('SELECT count(*)::int AS n FROM notes WHERE id = $1', [12])).rows[0].n).toBe(0);
    });
    expect((await direct.query('SELECT id FROM notes WHERE id IN (501, 502) ORDER BY id')).rows).toEqual([{ id: 501 }]);
  });

  it('personal data comes back masked, also through a parameterised query', async () => {
    const all = await withClient((c) => c.query('SELECT id, email FROM customers ORDER BY id'));
    expect(all.rows.map((r) => r.email)).toEqual(['********', '********', '********']);
    const one = await withClient((c) => c.query('SELECT name, email FROM customers WHERE id = $1', [2]));
    expect(one.rows).toEqual([{ name: 'Bob', email: '********' }]);
    expect(JSON.stringify([all.rows, one.rows])).not.toMatch(new RegExp(MASKED_VALUES.join('|')));
  });
});

describe('an ORM-style session', () => {
  it('sets up the session, works in savepoints, rolls one back and commits', async () => {
    await withClient(
      async (c) => {
        // What ORMs send when a connection is taken from the pool.
        await c.query("SET application_name = 'orm-interop'");
        await c.query("SET TimeZone = 'UTC'");
        await c.query("SET SESSION TIME ZONE 'UTC'");
        await c.query('SET extra_float_digits = 3');
        await c.query("SET DateStyle = 'ISO, MDY'");
        await c.query("SET statement_timeout = '30s'");
        await c.query('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED');
        expect((await c.query('SHOW application_name')).rows).toEqual([{ application_name: 'orm-interop' }]);
        expect((await c.query('SHOW standard_conforming_strings')).rows).toEqual([{ standard_conforming_strings: 'on' }]);
        expect((await c.query('SHOW client_encoding')).rows).toEqual([{ client_encoding: 'UTF8' }]);

        // One unit of work: nested units in savepoints, one of them fails and is rolled back.
        await c.query('BEGIN');
        await c.query('SET LOCAL lock_timeout = 5000');
        await c.query('SAVEPOINT unit_1');
        await c.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [510, 'unit 1']);
        await c.query('RELEASE SAVEPOINT unit_1');
        await c.query('SAVEPOINT unit_2');
        expect(await failure(c.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [510, 'unit 2 duplicate']))).toMatchObject({ code: '23505' });
        await c.query('ROLLBACK TO SAVEPOINT unit_2');
        await c.query('UPDATE orders SET total = $1 WHERE id = $2', ['13.00', 10]);
        await c.query('COMMIT');
        const placed = await c.query<{ placed_at: string }>("SELECT to_char(placed_at, 'YYYY-MM-DD HH24:MI TZ') AS placed_at FROM orders WHERE id = $1", [10]);
        expect(placed.rows[0]!.placed_at).toBe('2026-11-01 10:00 UTC');
        await c.query('RESET ALL');
        await c.query('DISCARD ALL');
      },
      { application_name: 'orm-pool' },
    );
    expect((await direct.query('SELECT id, body FROM notes WHERE id = 510')).rows).toEqual([{ id: 510, body: 'unit 1' }]);
    expect((await direct.query('SELECT total::text AS total FROM orders WHERE id = 10')).rows).toEqual([{ total: '13.00' }]);
    expect(await deniedStatements(orders)).toBe('');
  });
});

describe('masks apply only to the columns a statement reads', () => {
  it.each([
    ['a table without personal data', 'SELECT id, total FROM orders WHERE id = 11', {}],
    ['columns of a table with personal data, not the personal ones', 'SELECT id, name FROM customers WHERE id = 1', {}],
    ['a join that reads no personal column', 'SELECT c.name, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.id = 12', {}],
    ['the personal column itself', 'SELECT id, email FROM customers WHERE id = 1', { mask: ['email'] }],
    ['a star over a table with personal data', 'SELECT * FROM customers WHERE id = 1', { mask: ['email'] }],
  ])('%s', async (_name, sql, obligations) => {
    await withClient((c) => c.query(sql));
    expect(await decisionFor(sql)).toEqual({ effect: 'allow', obligations });
  });
});

describe('settings that change how text is read or who acts stay refused', () => {
  it.each([
    'SET standard_conforming_strings = off',
    "SET client_encoding = 'SJIS'",
    "SET NAMES 'LATIN1'",
    'SET search_path = pg_temp, public',
    'SET ROLE gatehouse',
    'SET SESSION AUTHORIZATION gatehouse',
    'RESET search_path',
    "SELECT set_config('search_path', 'pg_temp', false)",
    "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  ])('%s', async (sql) => {
    await withClient(async (c) => {
      expect(await failure(c.query(sql))).toMatchObject({ code: '42501' });
      expect((await c.query('SHOW standard_conforming_strings')).rows).toEqual([{ standard_conforming_strings: 'on' }]);
      expect((await c.query('SHOW client_encoding')).rows).toEqual([{ client_encoding: 'UTF8' }]);
      expect((await c.query('SELECT current_user AS role, current_setting($1) AS path', ['search_path'])).rows).toEqual([{ role: 'gatehouse_proxy', path: '"$user", public' }]);
    });
  });
});
