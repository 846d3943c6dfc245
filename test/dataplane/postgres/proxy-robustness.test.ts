import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyClient, startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { RawWireClient, startupPacket, typedMessage, wire } from './raw-wire-client.ts';
import { waitForActiveStatement } from './active-statement.ts';
import { waitUntil } from '../../support/wait-until.ts';

let h: ProxyHarness;
let token: string;
let direct: pg.Client;
/** A session opened first and checked after every attack: it must be unaffected. */
let bystander: pg.Client;

beforeAll(async () => {
  h = await startProxyHarness({ maxMessageBytes: 64 * 1024 });
  token = await h.issue();
  direct = new pg.Client({ connectionString: h.directUrl });
  await direct.connect();
  bystander = proxyClient(h, token);
  await bystander.connect();
});

afterAll(async () => {
  await bystander?.end().catch(() => undefined);
  await direct?.end();
  await h?.close();
});

async function bystanderWorks(): Promise<void> {
  const r = await bystander.query('SELECT count(*)::int AS n FROM orders');
  expect(r.rows[0].n).toBe(3);
}

/** Sends `bytes` and waits until the proxy answers with an error or closes (or a short quiet period passes). */
async function throwAt(client: RawWireClient, bytes: Buffer): Promise<void> {
  client.send(bytes);
  await client.waitFor('E', 300);
  client.destroy();
}

const FRONTEND_TYPES = ['Q', 'P', 'B', 'D', 'E', 'C', 'S', 'H', 'F', 'd', 'c', 'f', 'p', 'X', 'z', '\u0000'];

describe('malformed input never crashes the proxy', () => {
  it('random bytes as the first packet get an error or a close, and other sessions are unaffected', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const client = await RawWireClient.open(h.host, h.port);
        await throwAt(client, Buffer.from(bytes));
      }),
      { numRuns: 40 },
    );
    await bystanderWorks();
  });

  it('random typed messages after login get an error or a close, and other sessions are unaffected', async () => {
    const message = fc
      .tuple(fc.constantFrom(...FRONTEND_TYPES), fc.uint8Array({ maxLength: 48 }), fc.integer({ min: -8, max: 8 }))
      .map(([type, body, skew]) => {
        const framed = typedMessage(type, Buffer.from(body));
        framed.writeInt32BE(Math.max(0, body.length + 4 + skew), 1); // lengths that lie
        return framed;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 4 }), async (messages) => {
        const client = await RawWireClient.login(h.host, h.port, h.database, token);
        await throwAt(client, Buffer.concat(messages));
      }),
      { numRuns: 30 },
    );
    await bystanderWorks();
  }, 120_000);

  it('truncated valid messages followed by a hang-up leave no stuck session', async () => {
    const valid = Buffer.concat([wire.parse('s', 'SELECT id FROM orders WHERE id = $1'), wire.bind('', 's', ['10']), wire.execute(''), wire.sync()]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: valid.length - 1 }), async (cut) => {
        const client = await RawWireClient.login(h.host, h.port, h.database, token);
        client.send(valid.subarray(0, cut));
        await new Promise((r) => setTimeout(r, 20));
        client.destroy();
      }),
      { numRuns: 25 },
    );
    await bystanderWorks();
  });

  it('a startup packet with a huge length is refused with a protocol violation', async () => {
    const client = await RawWireClient.open(h.host, h.port);
    const packet = Buffer.alloc(8);
    packet.writeInt32BE(1_000_000_000, 0);
    packet.writeInt32BE(196608, 4);
    client.send(packet);
    const error = await client.waitFor('E', 3_000);
    expect(error).toBeDefined();
    await bystanderWorks();
  });

  it('an oversized message is refused with 54000 and the connection closed', async () => {
    const client = await RawWireClient.login(h.host, h.port, h.database, token);
    client.send(wire.query(`SELECT '${'x'.repeat(100 * 1024)}'`));
    const error = await client.waitFor('E', 3_000);
    expect(error).toBeDefined();
    expect(client.errors()[0]?.get('C')).toBe('54000');
    await bystanderWorks();
  });

  it('an unsupported protocol version is refused clearly', async () => {
    const client = await RawWireClient.open(h.host, h.port);
    const packet = startupPacket({ user: 'x', database: h.database });
    packet.writeInt32BE(2 << 16, 4);
    client.send(packet);
    await client.waitFor('E', 3_000);
    expect(client.errors()[0]?.get('M')).toContain('Gatehouse speaks 3.0');
  });
});

describe('disconnects and a dying upstream', () => {
  it('a client that disconnects mid-query has its upstream statement cancelled', async () => {
    const client = await RawWireClient.login(h.host, h.port, h.database, token);
    client.send(wire.query("SELECT pg_sleep(120) AS disconnect_test_marker"));
    await waitForActiveStatement(direct, 'disconnect_test_marker');
    client.destroy();
    // Far shorter than the 120 s sleep: only a cancel ends the statement within the wait.
    await waitUntil('the upstream statement of the gone client to be cancelled', async () => {
      const r = await direct.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%disconnect_test_marker%' AND pid <> pg_backend_pid() AND state = 'active'");
      return r.rows[0].n === 0;
    }, 30_000);
    await bystanderWorks();
  });

  it('an upstream backend that dies ends that session with a clear error and others continue', async () => {
    const victim = proxyClient(h, token, { application_name: 'victim' });
    const errors: string[] = [];
    victim.on('error', (e) => errors.push(e.message));
    await victim.connect();
    await victim.query('SELECT 1');
    await direct.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'");
    const failed = await victim.query('SELECT 1').then(
      () => 'ran',
      (e: Error) => e.message,
    );
    expect(failed).not.toBe('ran');
    expect(`${failed} ${errors.join(' ')}`).toMatch(/terminating connection|connection behind Gatehouse was lost|Connection terminated/);
    await victim.end().catch(() => undefined);
    await bystanderWorks();
    const fresh = proxyClient(h, token);
    await fresh.connect();
    expect((await fresh.query('SELECT 2 AS n')).rows[0].n).toBe(2);
    await fresh.end();
  });
});

describe('fail closed when the decision service is gone', () => {
  it('statements are denied and new connections refused, with a clear reason', async () => {
    const open = proxyClient(h, token);
    await open.connect();
    await h.stopDecisions();
    const statement = await open.query('SELECT 1').then(
      () => undefined,
      (e: { code?: string; message: string }) => e,
    );
    expect(statement?.code).toBe('42501');
    expect(statement?.message).toContain('decision service unavailable');
    expect(statement?.message).toContain('fail closed');
    await open.end();
    const refused = proxyClient(h, token);
    const connectError = await refused.connect().then(
      () => undefined,
      (e: { code?: string; message: string }) => e,
    );
    expect(connectError?.code).toBe('28000');
    expect(connectError?.message).toContain('decision service unavailable');
  }, 30_000);
});
