import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyClient, startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';

let h: ProxyHarness;
let token: string;

beforeAll(async () => {
  h = await startProxyHarness();
  token = await h.issue();
});

afterAll(async () => {
  await h?.close();
});

async function withClient<T>(fn: (client: pg.Client) => Promise<T>, extra: Partial<pg.ClientConfig> = {}): Promise<T> {
  const client = proxyClient(h, token, extra);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function sqlState(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? '', message: e.message };
  }
  throw new Error('expected the statement to fail');
}

describe('pg driver through the proxy', () => {
  it('an allowed SELECT on orders returns its rows unchanged', async () => {
    const rows = await withClient(async (c) => (await c.query('SELECT id, total FROM orders ORDER BY id')).rows);
    expect(rows).toEqual([
      { id: 10, total: '12.5' },
      { id: 11, total: '99.0' },
      { id: 12, total: '7.25' },
    ]);
  });

  it('DROP TABLE is denied with SQLSTATE 42501 and the session stays usable', async () => {
    await withClient(async (c) => {
      const denied = await sqlState(c.query('DROP TABLE orders'));
      expect(denied.code).toBe('42501');
      expect(denied.message).toContain('DROP is not allowed');
      const after = await c.query('SELECT count(*)::int AS n FROM orders');
      expect(after.rows[0].n).toBe(3);
    });
  });

  it('SELECT * on users masks email (simple protocol)', async () => {
    const rows = await withClient(async (c) => (await c.query('SELECT * FROM users ORDER BY id')).rows);
    expect(rows.map((r) => r.email)).toEqual(['********', '********', '********']);
    expect(rows.map((r) => r.name)).toEqual(['Alice', 'Bob', 'Carol']);
  });

  it('an aliased email column is masked by its base column', async () => {
    const rows = await withClient(async (c) => (await c.query('SELECT u.email AS contact, u.id FROM users u ORDER BY u.id')).rows);
    expect(rows.map((r) => r.contact)).toEqual(['********', '********', '********']);
  });

  it('a parameterised query (extended protocol) masks email and keeps other columns', async () => {
    const rows = await withClient(async (c) => (await c.query('SELECT id, email, age FROM users WHERE id = $1', [2])).rows);
    expect(rows).toEqual([{ id: 2, email: '********', age: 42 }]);
  });

  it('binary result format masks text as the mask and other types as NULL', async () => {
    const result = await withClient(async (c) =>
      c.query({ text: 'SELECT email, id FROM users WHERE id = $1', values: [1], binary: true } as pg.QueryConfig),
    );
    const row = result.rows[0] as { email: unknown; id: unknown };
    expect(Buffer.isBuffer(row.email) ? (row.email as Buffer).toString('utf8') : row.email).toBe('********');
  });

  it('a named prepared statement runs repeatedly and is decided on every execute', async () => {
    await withClient(async (c) => {
      for (const id of [1, 2, 3]) {
        const r = await c.query({ name: 'order-by-id', text: 'SELECT total FROM orders WHERE id = $1', values: [id + 9] });
        expect(r.rows).toHaveLength(1);
      }
    });
  });

  it('lower(email) is denied while email is masked', async () => {
    await withClient(async (c) => {
      const denied = await sqlState(c.query('SELECT lower(email) FROM users'));
      expect(denied.code).toBe('42501');
      expect(denied.message).toContain('column "email" is used in expression');
    });
  });

  it("WHERE email LIKE … is denied while masked, in the extended protocol too", async () => {
    await withClient(async (c) => {
      const simple = await sqlState(c.query("SELECT id FROM users WHERE email LIKE 'a%'"));
      expect(simple.code).toBe('42501');
      const extended = await sqlState(c.query('SELECT id FROM users WHERE email LIKE $1', ['a%']));
      expect(extended.code).toBe('42501');
      expect(extended.message).toContain('filter');
      expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    });
  });

  it('a denied execute in the extended protocol leaves the session usable for the next query', async () => {
    await withClient(async (c) => {
      const denied = await sqlState(c.query('DROP TABLE scratch'));
      expect(denied.code).toBe('42501');
      const ok = await c.query('SELECT note FROM scratch WHERE id = $1', [1]);
      expect(ok.rows).toEqual([{ note: 'one' }]);
    });
  });
});
