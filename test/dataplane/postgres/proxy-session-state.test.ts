import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { RawWireClient, wire } from './raw-wire-client.ts';

/**
 * The proxy reads the session state back after any statement that may change settings, and a
 * pipelined batch never has a later statement decided before such a statement has run. The
 * test policy here allows SET (a permissive policy), so the proxy's own check is what stops
 * a session whose search_path, role or replication role changed.
 */
let h: ProxyHarness;
let token: string;
let direct: pg.Client;

beforeAll(async () => {
  // The proxy's own state check is under test: upstream as the superuser, for whom PostgreSQL
  // itself would let session_replication_role change (the least-privileged role cannot, which
  // is the second line of defence, tested in proxy-least-privilege.test.ts).
  h = await startProxyHarness({ superuserUpstream: true, allowPrivilegedUpstream: true });
  token = await h.issue();
  direct = new pg.Client({ connectionString: h.directUrl });
  await direct.connect();
}, 60_000);

afterAll(async () => {
  await direct?.end();
  await h?.close();
});

function fatal(c: RawWireClient): Map<string, string> | undefined {
  return c.errors().find((e) => e.get('S') === 'FATAL');
}

describe('session state', () => {
  it('a safe setting keeps the session', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(wire.query("SET application_name = 'orm'"));
    await c.waitFor('Z');
    c.messages.length = 0;
    c.send(wire.query('SELECT 1'));
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(c.errors()).toEqual([]);
    c.destroy();
  });

  it('a changed search_path ends the session with FATAL 42501', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(wire.query('SET search_path = pg_temp, public'));
    await c.waitFor('Z');
    await c.waitFor('never', 5_000);
    expect(c.closed).toBe(true);
    expect(fatal(c)?.get('C')).toBe('42501');
    expect(fatal(c)?.get('M')).toContain('search_path');
    c.destroy();
  });

  it('in one batch, a statement after a replication-role change is never run', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(
      Buffer.concat([
        wire.parse('', 'SET session_replication_role = replica'),
        wire.bind('', ''),
        wire.execute(''),
        wire.parse('', "INSERT INTO scratch VALUES (500, 'after the change')"),
        wire.bind('', ''),
        wire.execute(''),
        wire.sync(),
      ]),
    );
    await c.waitFor('never', 5_000);
    expect(c.closed).toBe(true);
    expect(fatal(c)?.get('C')).toBe('42501');
    expect((await direct.query('SELECT count(*)::int AS n FROM scratch WHERE id = 500')).rows[0].n).toBe(0);
    c.destroy();
  });

  it('property: in pipelined batches, nothing after a settings change runs once the state changed', async () => {
    let run = 0;
    const step = fc.oneof(
      fc.constantFrom(
        'SET search_path = pg_temp, public',
        "SELECT set_config('search_path', 'pg_catalog', false)",
        'SET session_replication_role = replica',
        "SET application_name = 'p'",
        "SET TIME ZONE 'UTC'",
        'SELECT 1',
      ),
      fc.constant('INSERT'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 7 }), async (steps) => {
        run++;
        const note = `run-${run}`;
        const c = await RawWireClient.login(h.host, h.port, h.database, token);
        try {
          const parts: Buffer[] = [];
          steps.forEach((sql, i) => {
            const text = sql === 'INSERT' ? `INSERT INTO public.scratch VALUES (${i}, '${note}')` : sql;
            parts.push(wire.parse('', text), wire.bind('', ''), wire.execute(''));
          });
          parts.push(wire.sync());
          c.send(Buffer.concat(parts));
          await c.waitFor('Z');
          const changing = steps.findIndex((s) => s.startsWith('SET search_path') || s.includes('set_config') || s.includes('replication'));
          const ran = (await direct.query<{ id: number }>('SELECT id FROM scratch WHERE note = $1', [note])).rows.map((r) => r.id);
          if (changing >= 0) {
            await c.waitFor('never', 5_000);
            expect(c.closed).toBe(true);
            expect(ran.filter((i) => i > changing)).toEqual([]);
          } else {
            expect(c.closed).toBe(false);
            expect(ran.sort((a, b) => a - b)).toEqual(steps.flatMap((s, i) => (s === 'INSERT' ? [i] : [])));
          }
        } finally {
          c.destroy();
          await direct.query('DELETE FROM scratch WHERE note = $1', [note]);
        }
      }),
      { numRuns: 20 },
    );
  }, 180_000);
});
