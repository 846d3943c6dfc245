import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_LIMITS } from '../../../dataplane/postgres/session-limits.ts';
import { freePort } from '../../support/free-port.ts';
import { proxyClient, startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { RawWireClient, startupPacket, typedMessage, wire } from './raw-wire-client.ts';

// Per-session limits through the real proxy and PostgreSQL: past each, that session ends with
// FATAL 54000 (or 53300 for one session too many) and the others carry on.

const GATEHOUSE = resolve(import.meta.dirname, '../../../bin/gatehouse');
const MiB = 1024 * 1024;

let h: ProxyHarness;

beforeAll(async () => {
  h = await startProxyHarness({ maxMessageBytes: 2 * MiB, maxSessions: 6, loginTimeoutMs: 5_000 });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function login(): Promise<RawWireClient> {
  return RawWireClient.login(h.host, h.port, h.database, await h.issue());
}

function fatal(client: RawWireClient): Map<string, string> | undefined {
  return client.errors().find((fields) => fields.get('S') === 'FATAL');
}

/** The canary: a session that must keep working (and a row that must survive). */
async function canaryStillServed(): Promise<void> {
  const client = proxyClient(h, await h.issue());
  await client.connect();
  try {
    expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 3 }]);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL proxy: per-session limits', () => {
  it(`more than ${DEFAULT_SESSION_LIMITS.maxBatchMessages} messages without Sync end that session with 54000`, async () => {
    const bystander = proxyClient(h, await h.issue());
    await bystander.connect();
    const client = await login();
    const describe = wire.describe('S', '');
    client.send(Buffer.concat(Array.from({ length: DEFAULT_SESSION_LIMITS.maxBatchMessages + 1 }, () => describe)));
    await client.waitFor('E');
    const error = fatal(client);
    expect(error?.get('C')).toBe('54000');
    expect(error?.get('M')).toBe(`gatehouse: more than ${DEFAULT_SESSION_LIMITS.maxBatchMessages} extended-protocol messages were sent without Sync or Flush; session closed`);
    // The session that was open all along did not notice.
    expect((await bystander.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await bystander.end();
  });

  it('statement text over 1,000,000 bytes ends the session with 54000', async () => {
    const client = await login();
    client.send(wire.query(`SELECT '${'a'.repeat(DEFAULT_SESSION_LIMITS.maxStatementBytes)}'`));
    await client.waitFor('E');
    expect(fatal(client)?.get('C')).toBe('54000');
    expect(fatal(client)?.get('M')).toMatch(/^gatehouse: statement text of \d+ bytes exceeds the limit of 1000000 bytes; session closed$/);
    await canaryStillServed();
  });

  it('prepared statements over 4 MiB in total end the session with 54000; closing them keeps it within', async () => {
    const client = await login();
    const text = `SELECT '${'p'.repeat(900_000)}'`;
    // Parse, Close, Parse … stays within the bound however often it is repeated.
    for (let i = 0; i < 8; i++) {
      client.messages.length = 0;
      client.send(Buffer.concat([wire.parse(`keep_${i}`, text), wire.close('S', `keep_${i}`), wire.sync()]));
      await client.waitFor('Z', 30_000);
      expect(client.messages.map((m) => m.type)).toEqual(['1', '3', 'Z']);
    }
    for (let i = 0; i < 8; i++) client.send(Buffer.concat([wire.parse(`many_${i}`, text), wire.sync()]));
    await client.waitFor('E', 30_000);
    const error = fatal(client);
    expect(error?.get('C')).toBe('54000');
    expect(error?.get('M')).toBe(
      'gatehouse: prepared statements and portals of this session exceed 4194304 bytes; close (DEALLOCATE) those no longer needed; session closed',
    );
    await canaryStillServed();
  });

  it('invalid UTF-8 in a statement is refused with 22021', async () => {
    const client = await login();
    const body = Buffer.concat([Buffer.from('SELECT '), Buffer.from([0x27, 0xc3, 0x28, 0x27]), Buffer.from([0])]);
    client.send(typedMessage('Q', body));
    await client.waitFor('E');
    expect(client.errors()[0]?.get('C')).toBe('22021');
    expect(client.errors()[0]?.get('M')).toBe('message \'Q\': invalid byte sequence for encoding "UTF8"');
    await canaryStillServed();
  });

  it('one session more than --max-sessions is refused with 53300, and a slot frees when a session ends', async () => {
    await waitUntil(() => h.proxy.sessions === 0);
    const open: RawWireClient[] = [];
    try {
      // Connected but not logged in: each holds a slot until the login timeout.
      for (let i = 0; i < 6; i++) open.push(await RawWireClient.open(h.host, h.port));
      const extra = await RawWireClient.open(h.host, h.port);
      extra.send(startupPacket({ user: 'planner', database: h.database }));
      await extra.waitFor('E');
      expect(extra.errors()[0]?.get('C')).toBe('53300');
      expect(extra.errors()[0]?.get('M')).toBe('gatehouse: too many connections through this proxy (limit 6); try again later');
    } finally {
      for (const client of open) client.destroy();
    }
    await waitUntil(() => h.proxy.sessions === 0);
    await canaryStillServed();
  });

  it('a client that never logs in is cut off at the login timeout with 57014', async () => {
    const client = await RawWireClient.open(h.host, h.port);
    client.send(startupPacket({ user: 'planner', database: h.database }));
    await client.waitFor('E', 20_000);
    expect(client.errors()[0]?.get('C')).toBe('57014');
    expect(client.errors()[0]?.get('M')).toBe('gatehouse: canceling authentication due to timeout');
  });
});

describe('PostgreSQL proxy process: memory stays bounded', () => {
  let child: ChildProcess | undefined;
  let port = 0;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  beforeAll(async () => {
    port = await freePort();
    child = spawn(process.execPath, [GATEHOUSE, 'proxy', 'postgres'], {
      env: {
        PATH: process.env.PATH ?? '',
        GATEHOUSE_PROXY_LISTEN: `127.0.0.1:${port}`,
        GATEHOUSE_PROXY_UPSTREAM: h.proxyUpstreamUrl,
        GATEHOUSE_PROXY_RESOURCE: h.database,
        GATEHOUSE_PROXY_RESOURCE_ATTR: 'env=test',
        GATEHOUSE_PROXY_DECISION: h.server.address,
        GATEHOUSE_PROXY_AUDIT: `file:${join(await mkdtemp(join(tmpdir(), 'gatehouse-proxy-limits-')), 'audit.jsonl')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await waitUntil(() => output.includes('postgres proxy ready'), 30_000, () => output);
  }, 60_000);

  it('a client sending 2 GiB without Sync: that session ends with 54000, memory stays bounded, other sessions keep being decided', async () => {
    if (!child) throw new Error('the proxy process did not start');

    // Other sessions: a pg client that keeps running statements during the flood.
    const other = new pg.Client({ host: '127.0.0.1', port, database: h.database, user: 'planner', password: await h.issue() });
    other.on('error', () => undefined); // a failure shows as a failed query below
    await other.connect();
    const before = await peakRss(child.pid!);

    const flood = await RawWireClient.login('127.0.0.1', port, h.database, await h.issue());
    // One 1 MiB chunk of Bind messages, written again and again: streamed, never allocated as a whole.
    const bind = wire.bind('', 'nothing', ['x'.repeat(64 * 1024)]);
    const chunk = Buffer.concat(Array.from({ length: Math.floor(MiB / bind.length) }, () => bind));
    const target = 2 * 1024 * MiB;
    let sent = 0;
    let otherStatements = 0;
    const running = (async () => {
      while (!flood.closed) {
        expect((await other.query('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 3 }]);
        otherStatements++;
      }
    })();
    while (sent < target && !flood.closed) {
      if (!flood.socket.write(chunk)) {
        await new Promise<void>((done) => {
          flood.socket.once('drain', done);
          flood.socket.once('close', done);
        });
      }
      sent += chunk.length;
    }
    await running;
    const error = flood.errors().find((fields) => fields.get('S') === 'FATAL');
    expect(error?.get('C')).toBe('54000');
    expect(error?.get('M')).toBe(`gatehouse: more than ${DEFAULT_SESSION_LIMITS.maxBatchBytes} bytes of extended-protocol messages were sent without Sync or Flush; session closed`);
    // The proxy stopped taking bytes long before 2 GiB.
    expect(sent).toBeLessThan(target);
    // Its peak memory grew by far less than what was sent (the bound in docs/postgres-proxy.md).
    const after = await peakRss(child.pid!);
    expect(after - before).toBeLessThan(64 * MiB);
    expect(otherStatements).toBeGreaterThan(0);
    expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await other.end();
    expect(child.exitCode).toBeNull();
  }, 120_000);

  it('a client that does not read a 200 MB result: the proxy stops reading the database instead of buffering', async () => {
    if (!child) throw new Error('the proxy process did not start');
    const before = await peakRss(child.pid!);
    const reader = await RawWireClient.login('127.0.0.1', port, h.database, await h.issue());
    reader.socket.pause();
    reader.send(wire.query("SELECT repeat('x', 1000) AS filler FROM generate_series(1, 200000)"));
    // The backend behind the proxy blocks writing to it: the proxy stopped reading.
    await waitUntil(async () => {
      const rows = await directQuery<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'gatehouse_proxy' AND wait_event = 'ClientWrite' AND query LIKE 'SELECT repeat%'",
      );
      return rows[0]!.n === 1;
    }, 90_000); // filling the socket buffers takes a while on a loaded machine
    // The proxy keeps serving another session meanwhile, and the backend stays blocked: the
    // 200 MB are not being read into the proxy behind the client's back.
    const other = new pg.Client({ host: '127.0.0.1', port, database: h.database, user: 'planner', password: await h.issue() });
    await other.connect();
    for (let i = 0; i < 50; i++) expect((await other.query('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 3 }]);
    await other.end();
    const stillBlocked = await directQuery<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'gatehouse_proxy' AND wait_event = 'ClientWrite' AND query LIKE 'SELECT repeat%'",
    );
    expect(stillBlocked[0]!.n).toBe(1);
    const after = await peakRss(child.pid!);
    expect(after - before).toBeLessThan(64 * MiB);
    // A client that goes away has its statement cancelled: the backend is released.
    reader.destroy();
    await waitUntil(async () => {
      const rows = await directQuery<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'gatehouse_proxy' AND query LIKE 'SELECT repeat%' AND state = 'active'");
      return rows[0]!.n === 0;
    });
  }, 120_000);
});

async function directQuery<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: h.directUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The process's peak resident set size in bytes (VmHWM). */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM for process ${pid}`);
  return Number(kb) * 1024;
}

async function waitUntil(check: () => boolean | Promise<boolean>, ms = 20_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached in ${ms} ms ${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
