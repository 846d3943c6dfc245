import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyClient, REVIEWER, startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { RawWireClient, startupPacket, wire } from './raw-wire-client.ts';
import { waitForActiveStatement } from './active-statement.ts';

let h: ProxyHarness;
let token: string;
let direct: pg.Client;

beforeAll(async () => {
  h = await startProxyHarness();
  token = await h.issue();
  direct = new pg.Client({ connectionString: h.directUrl });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await h?.close();
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? '', message: e.message };
  }
  throw new Error('expected the statement to be refused');
}

const BYPASS_CORPUS: { name: string; sql: string; reason: string }[] = [
  { name: 'comment before DROP', sql: '/* harmless */ DROP TABLE orders', reason: 'DROP is not allowed' },
  { name: 'line comment then DROP', sql: '-- select only\nDROP TABLE orders', reason: 'DROP is not allowed' },
  { name: 'mixed case DROP', sql: 'dRoP tAbLe orders', reason: 'DROP is not allowed' },
  { name: 'quoted identifier', sql: 'DROP TABLE "orders"', reason: 'DROP is not allowed' },
  { name: 'schema-qualified', sql: 'DROP TABLE public.orders', reason: 'DROP is not allowed' },
  { name: 'several statements, the second a DROP', sql: 'SELECT 1; DROP TABLE orders', reason: 'DROP is not allowed' },
  { name: 'string that looks like the end of a statement', sql: "SELECT ';'; DROP TABLE orders", reason: 'DROP is not allowed' },
  { name: 'CTE that deletes', sql: 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone', reason: 'delete hidden inside another statement' },
  { name: 'CTE that updates', sql: 'WITH x AS (UPDATE orders SET total = 0 RETURNING id) SELECT * FROM x', reason: 'update hidden inside another statement' },
  { name: 'DO block', sql: "DO $$ BEGIN EXECUTE 'DROP TABLE orders'; END $$", reason: 'do statements are not allowed' },
  { name: 'DO block with dollar-quote tag', sql: "DO $x$ BEGIN PERFORM 1; END $x$", reason: 'do statements are not allowed' },
  { name: 'file-reading function', sql: "SELECT pg_read_file('/etc/hostname')", reason: 'pg_read_file reads or writes server files' },
  { name: 'schema-qualified file function', sql: "SELECT * FROM pg_catalog.pg_read_file('/etc/hostname')", reason: 'pg_read_file' },
  { name: 'file function in a subquery', sql: "SELECT length((SELECT pg_read_binary_file('/etc/hostname')))", reason: 'pg_read_binary_file' },
  { name: 'COPY TO PROGRAM', sql: "COPY orders TO PROGRAM 'id'", reason: 'COPY with PROGRAM runs a shell command' },
  { name: 'COPY FROM PROGRAM', sql: "COPY orders FROM PROGRAM 'cat /etc/passwd'", reason: 'COPY with PROGRAM' },
  { name: 'COPY to a server file', sql: "COPY orders TO '/tmp/gatehouse-leak'", reason: 'COPY to or from a server file' },
  { name: 'ALTER SYSTEM', sql: "ALTER SYSTEM SET log_statement = 'none'", reason: 'statements are not allowed' },
  { name: 'CREATE FUNCTION', sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', reason: 'statements are not allowed' },
  { name: 'reserved proxy object name', sql: 'DEALLOCATE gatehouse_0_s1', reason: 'reserved for the proxy' },
  { name: 'unicode-escaped identifier', sql: 'DEALLOCATE U&"\\0067atehouse_x"', reason: 'reserved for the proxy' },
];

describe('the bypass corpus is caught (simple protocol)', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = proxyClient(h, token);
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  for (const entry of BYPASS_CORPUS) {
    it(`${entry.name}: ${entry.sql.replace(/\s+/g, ' ')} → 42501`, async () => {
      const refused = await failure(client.query(entry.sql));
      expect(refused.code).toBe('42501');
      expect(refused.message).toContain(entry.reason);
    });
  }

  it('after the corpus the tables and rows are untouched', async () => {
    const orders = await direct.query('SELECT count(*)::int AS n, sum(total)::text AS s FROM orders');
    expect(orders.rows[0]).toEqual({ n: 3, s: '118.75' });
    expect((await client.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
  });
});

describe('extended protocol cannot run SQL other than what was decided', () => {
  it('a portal bound to DROP is decided as DROP even after the unnamed statement is replaced', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([wire.parse('', 'DROP TABLE scratch'), wire.bind('', ''), wire.parse('', 'SELECT 1'), wire.execute(''), wire.sync()]));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    expect((await direct.query("SELECT to_regclass('scratch') IS NOT NULL AS present")).rows[0].present).toBe(true);
    c.destroy();
  });

  it('a named statement re-parsed under the same name is decided on its new text', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([wire.parse('s1', 'SELECT 1'), wire.sync()]));
    await c.waitFor('Z');
    c.messages.length = 0;
    c.send(Buffer.concat([wire.parse('s1', 'DROP TABLE scratch'), wire.bind('', 's1'), wire.execute(''), wire.sync()]));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    expect((await direct.query("SELECT to_regclass('scratch') IS NOT NULL AS present")).rows[0].present).toBe(true);
    c.destroy();
  });

  it('a SQL-level PREPARE cannot take over a protocol statement name', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([wire.parse('s1', 'SELECT 1'), wire.sync()]));
    await c.waitFor('Z');
    c.messages.length = 0;
    // PREPARE is refused by the policy anyway; a client-chosen name never maps to the upstream one.
    c.send(Buffer.concat([wire.bind('', 's1'), wire.execute(''), wire.sync()]));
    await c.waitFor('Z');
    expect(c.errors()).toEqual([]);
    expect(c.messages.some((m) => m.type === 'D')).toBe(true);
    c.destroy();
  });

  it('executing a portal that was never bound is refused with 34000', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(Buffer.concat([wire.execute('nope'), wire.sync()]));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('34000');
    c.destroy();
  });
});

describe('approvals', () => {
  it('DELETE without WHERE waits with a notice until a reviewer approves, then runs', async () => {
    const client = proxyClient(h, token);
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await client.connect();
    const running = client.query('DELETE FROM scratch');
    let pending: { id: string }[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      pending = await h.approvals.list({ status: 'pending' });
    }
    expect(pending).toHaveLength(1);
    expect((await direct.query('SELECT count(*)::int AS n FROM scratch')).rows[0].n).toBe(2);
    await h.approvals.approve(pending[0]!.id, REVIEWER, { comment: 'ok for the test' });
    const result = await running;
    expect(result.rowCount).toBe(2);
    expect(notices.join('\n')).toContain(`approval ${pending[0]!.id} required`);
    await client.end();
  });

  it('DELETE without WHERE is refused with 42501 when the reviewer denies it', async () => {
    await direct.query("INSERT INTO scratch VALUES (9, 'nine')");
    const client = proxyClient(h, token);
    await client.connect();
    const running = failure(client.query('DELETE FROM scratch'));
    let pending: { id: string }[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      pending = await h.approvals.list({ status: 'pending' });
    }
    await h.approvals.deny(pending[0]!.id, REVIEWER, { comment: 'no' });
    const refused = await running;
    expect(refused.code).toBe('42501');
    expect(refused.message).toContain('denied');
    expect((await direct.query('SELECT count(*)::int AS n FROM scratch')).rows[0].n).toBe(1);
    await client.end();
  });
});

describe('CancelRequest', () => {
  it('pg_sleep is cancelled through the proxy with the key the client was given', async () => {
    const client = proxyClient(h, token);
    await client.connect();
    const keys = client as unknown as { processID: number; secretKey: number };
    const sleeping = failure(client.query('SELECT pg_sleep(30) AS cancel_test_marker'));
    await waitForActiveStatement(direct, 'cancel_test_marker');
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(80877102, 4);
    packet.writeInt32BE(keys.processID, 8);
    packet.writeInt32BE(keys.secretKey, 12);
    const socket = connect({ host: h.host, port: h.port }, () => socket.end(packet));
    const cancelled = await sleeping;
    expect(cancelled.code).toBe('57014');
    expect((await client.query('SELECT 7 AS n')).rows[0].n).toBe(7);
    await client.end();
  });

  it('a CancelRequest with a wrong secret cancels nothing', async () => {
    const client = proxyClient(h, token);
    await client.connect();
    const keys = client as unknown as { processID: number; secretKey: number };
    const sleeping = client.query('SELECT pg_sleep(1.5) AS slept');
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(80877102, 4);
    packet.writeInt32BE(keys.processID, 8);
    packet.writeInt32BE((keys.secretKey + 1) | 0, 12);
    const socket = connect({ host: h.host, port: h.port }, () => socket.end(packet));
    await expect(sleeping).resolves.toBeDefined();
    await client.end();
  });
});

describe('session recording', () => {
  it('records start, each statement with decision id, effect, rows and duration, and end', async () => {
    const client = proxyClient(h, token, { application_name: 'audit-test' });
    await client.connect();
    await client.query('SELECT id FROM orders');
    await failure(client.query('DROP TABLE orders'));
    await client.end();
    let events: Record<string, unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      events = (await h.sessionEvents()).filter((e) => (e.data as { application?: string }).application === 'audit-test');
      if (events.length > 0) {
        const sessionId = (events[0]!.data as { sessionId: string }).sessionId;
        events = (await h.sessionEvents()).filter((e) => (e.data as { sessionId: string }).sessionId === sessionId);
        if (events.some((e) => (e.data as { event: string }).event === 'end')) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const data = events.map((e) => e.data as Record<string, unknown>);
    expect(data.map((d) => d.event)).toEqual(['start', 'statement', 'statement', 'end']);
    expect(data[1]).toMatchObject({ text: 'SELECT id FROM orders', effect: 'allow', rows: 3, outcome: 'ok' });
    expect(typeof data[1]!.decisionId).toBe('string');
    expect((data[1]!.decisionId as string).length).toBeGreaterThan(0);
    expect(typeof data[1]!.durationMicros).toBe('number');
    expect(data[2]).toMatchObject({ text: 'DROP TABLE orders', effect: 'deny', outcome: 'denied' });
    expect(JSON.stringify(events)).not.toContain(token);
  });
});

describe('session recording redacts secrets in statement text', () => {
  it('every time the same statement runs, and in each distinct one', async () => {
    const client = proxyClient(h, token, { application_name: 'redact-test' });
    await client.connect();
    const secret = "SELECT id FROM orders WHERE 'password=hunter2secret' <> ''";
    const url = "SELECT id FROM orders WHERE 'postgres://u:s3cretpw@db/x' <> ''";
    await client.query({ name: 'with-secret', text: secret });
    await client.query({ name: 'with-secret', text: secret });
    await client.query(url);
    await client.end();
    let texts: string[] = [];
    for (let i = 0; i < 50 && texts.length < 3; i++) {
      const events = await h.sessionEvents();
      const start = events.find((e) => (e.data as { application?: string }).application === 'redact-test');
      const sessionId = (start?.data as { sessionId?: string } | undefined)?.sessionId;
      texts = events
        .filter((e) => (e.data as { sessionId?: string; event?: string }).sessionId === sessionId && (e.data as { event?: string }).event === 'statement')
        .map((e) => String((e.data as { text?: unknown }).text));
      if (texts.length < 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(texts).toEqual([
      "SELECT id FROM orders WHERE 'password=[REDACTED]' <> ''",
      "SELECT id FROM orders WHERE 'password=[REDACTED]' <> ''",
      "SELECT id FROM orders WHERE 'postgres://u:[REDACTED]@db/x' <> ''",
    ]);
    const all = JSON.stringify(await h.sessionEvents());
    expect(all).not.toContain('hunter2secret');
    expect(all).not.toContain('s3cretpw');
  });
});

describe('statements are decided in the encoding PostgreSQL reads them in', () => {
  // 'Á' is C3 81 in UTF-8; under SJIS, 81 5C is one character that swallows the backslash,
  // so this one string literal (as decided) would run upstream as SELECT …; DROP TABLE scratch.
  const SJIS_SMUGGLED_DROP = "SELECT E'\u00c1\\'; DROP TABLE scratch; --'";

  it('a client_encoding of SJIS in the startup packet is refused before login', async () => {
    const c = await RawWireClient.open(h.host, h.port);
    c.send(startupPacket({ user: 'planner', database: h.database, client_encoding: 'SJIS' }));
    await c.waitFor('E');
    expect(c.errors()[0]?.get('M')).toContain('client_encoding');
    expect(c.messages.some((m) => m.type === 'R')).toBe(false);
    c.destroy();
  });

  it('SET client_encoding / SET NAMES / set_config are refused, so a smuggled DROP cannot follow (simple and pipelined)', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(wire.query("SET client_encoding = 'SJIS'"));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    c.messages.length = 0;
    c.send(Buffer.concat([wire.parse('', "SET NAMES 'SJIS'"), wire.bind('', ''), wire.execute(''), wire.parse('', SJIS_SMUGGLED_DROP), wire.bind('', ''), wire.execute(''), wire.sync()]));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    c.messages.length = 0;
    c.send(wire.query("SELECT set_config('client_encoding', 'SJIS', false)"));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    c.messages.length = 0;
    c.send(wire.query(SJIS_SMUGGLED_DROP));
    await c.waitFor('Z');
    expect((await direct.query("SELECT to_regclass('scratch') IS NOT NULL AS present")).rows[0].present).toBe(true);
    c.destroy();
  });

  it('SET standard_conforming_strings is refused, so a backslash-quoted DROP cannot run (regression: parser disagreement)', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(wire.query('SET standard_conforming_strings = off'));
    await c.waitFor('Z');
    expect(c.errors()[0]?.get('C')).toBe('42501');
    c.messages.length = 0;
    c.send(wire.query("SELECT '\\''; DROP TABLE scratch; --'"));
    await c.waitFor('Z');
    expect((await direct.query("SELECT to_regclass('scratch') IS NOT NULL AS present")).rows[0].present).toBe(true);
    c.destroy();
  });

  it('a session whose upstream turns standard_conforming_strings off (set by a function) is closed', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    c.send(wire.query("SELECT set_config(E'standard\\x5fconforming\\x5fstrings', 'off', false)"));
    await c.waitFor('Z'); // returns on the close
    expect(c.closed).toBe(true);
    expect(c.errors().at(-1)?.get('S')).toBe('FATAL');
    c.destroy();
  });

  it('a session whose upstream reports an unsafe client_encoding (set by a function) is closed', async () => {
    const c = await RawWireClient.login(h.host, h.port, h.database, token);
    // The reserved-word check cannot see this spelling; the upstream's ParameterStatus can.
    c.send(wire.query("SELECT set_config(E'client\\x5fencoding', 'SJIS', false)"));
    await c.waitFor('Z'); // returns on the close
    expect(c.closed).toBe(true);
    expect(c.errors().at(-1)?.get('S')).toBe('FATAL');
    expect(c.messages.some((m) => m.type === 'Z')).toBe(false);
    c.destroy();
  });
});
