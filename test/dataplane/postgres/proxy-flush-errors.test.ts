import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { RawWireClient, wire } from './raw-wire-client.ts';

/**
 * Pipelining clients (psycopg3 pipeline mode, JDBC batches) end batches with Flush. After an
 * ErrorResponse PostgreSQL ignores every extended-protocol message up to the next Sync and
 * answers only that Sync; the proxy must do the same instead of waiting for the ignored
 * messages' replies (regression: the session ended with a protocol violation or hung).
 */
let h: ProxyHarness;
let token: string;
let direct: pg.Client;

beforeAll(async () => {
  h = await startProxyHarness();
  token = await h.issue({ maxUses: 100 });
  direct = new pg.Client({ connectionString: h.directUrl });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await h?.close();
});

/** Fails only when run (a constant 1/0 would already fail at Bind, when the plan is made). */
const FAILS_AT_EXECUTE = 'SELECT 1 / (id - id) FROM orders';

const types = (c: RawWireClient): string => c.messages.map((m) => m.type).join('');

const statement = (sql: string): Buffer => Buffer.concat([wire.parse('', sql), wire.bind('', ''), wire.execute('')]);

async function scratchRows(): Promise<number> {
  return (await direct.query('SELECT count(*)::int AS n FROM scratch')).rows[0].n as number;
}

/** The session must still answer a next query, in both protocols. */
async function stillUsable(c: RawWireClient): Promise<void> {
  c.messages.length = 0;
  c.send(wire.query('SELECT 7 AS n'));
  await c.waitFor('Z');
  expect(c.closed).toBe(false);
  expect(types(c)).toBe('TDCZ');
  c.messages.length = 0;
  c.send(Buffer.concat([statement('SELECT 8 AS n'), wire.sync()]));
  await c.waitFor('Z');
  expect(types(c)).toBe('12DCZ');
  expect(c.messages[2]!.body.toString('utf8', 6)).toBe('8');
}

describe('an error in a Flush-ended extended batch skips to the next Sync', () => {
  it('division by zero, Flush, then INSERT + Sync → ErrorResponse then ReadyForQuery; the INSERT is not run; session usable', async () => {
    const before = await scratchRows();
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([statement(FAILS_AT_EXECUTE), wire.flush(), statement("INSERT INTO scratch VALUES (90, 'after error')"), wire.sync()]));
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(types(c)).toBe('12EZ');
    expect(c.errors()[0]?.get('C')).toBe('22012');
    expect(await scratchRows()).toBe(before);
    await stillUsable(c);
    c.destroy();
  });

  it('division by zero, Flush, (client reads the error), then SELECT + Sync → ErrorResponse then ReadyForQuery; session usable', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([statement(FAILS_AT_EXECUTE), wire.flush()]));
    await c.waitFor('E');
    c.send(Buffer.concat([statement('SELECT 2 AS n'), wire.sync()]));
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(types(c)).toBe('12EZ');
    expect(c.errors()[0]?.get('C')).toBe('22012');
    await stillUsable(c);
    c.destroy();
  });

  it('a policy-denied DROP, Flush, then INSERT + Sync → 42501 then ReadyForQuery; neither runs; session usable', async () => {
    const before = await scratchRows();
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([statement('DROP TABLE scratch'), wire.flush(), statement("INSERT INTO scratch VALUES (91, 'after denial')"), wire.sync()]));
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(types(c)).toBe('12EZ');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    expect(c.errors()[0]?.get('M')).toContain('DROP is not allowed');
    expect(await scratchRows()).toBe(before);
    await stillUsable(c);
    c.destroy();
  });

  it('a denied DROP followed by a SELECT in the same Flush-ended batch, then Sync → 42501 then ReadyForQuery; session usable', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([statement('DROP TABLE scratch'), statement('SELECT 3 AS n'), wire.flush()]));
    await c.waitFor('E');
    c.send(wire.sync());
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(types(c)).toBe('12EZ');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    await stillUsable(c);
    c.destroy();
  });

  it('an error, Flush, more messages in a second Flush, then Sync → ErrorResponse then one ReadyForQuery; nothing after the error runs', async () => {
    const before = await scratchRows();
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([statement(FAILS_AT_EXECUTE), statement("INSERT INTO scratch VALUES (92, 'same batch')"), wire.flush()]));
    await c.waitFor('E');
    c.send(Buffer.concat([wire.parse('s1', 'SELECT 4 AS n'), wire.bind('p1', 's1'), wire.describe('P', 'p1'), wire.execute('p1'), statement("INSERT INTO scratch VALUES (93, 'second batch')"), wire.flush()]));
    c.send(Buffer.concat([statement('DROP TABLE scratch'), wire.flush()]));
    c.send(wire.sync());
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(types(c)).toBe('12EZ');
    expect(c.errors()[0]?.get('C')).toBe('22012');
    expect(await scratchRows()).toBe(before);
    // PostgreSQL ignored the second batch's Parse and Bind, so s1 and p1 do not exist.
    c.messages.length = 0;
    c.send(Buffer.concat([wire.bind('', 's1'), wire.execute(''), wire.sync()]));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('26000');
    await stillUsable(c);
    c.destroy();
  });

  it('an error after a Flush, then a simple Query without Sync → the Query still runs (as after unsynced messages)', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([statement(FAILS_AT_EXECUTE), wire.flush()]));
    await c.waitFor('E');
    c.send(wire.query('SELECT 5 AS n'));
    await c.waitFor('Z');
    expect(c.closed).toBe(false);
    expect(types(c)).toBe('12ETDCZ');
    await stillUsable(c);
    c.destroy();
  });
});
