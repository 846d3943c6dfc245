import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyClient, startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';

// 16 sessions flood the proxy with ~800 KB statements (each takes the decision service a long
// parse); another client's SELECT 1 must still be decided, and allowed, every time. On one
// shared DecideStream the SELECT 1 would queue behind megabytes that the busy service reads
// slowly and fail closed at its deadline; FairDecisionClient sends large requests on a stream of
// their own, and the service runs heavy texts one at a time (fair-scheduler.ts).

const FLOODERS = 16;
/** About 800 KB of SQL whose facts take the service long to compute (a 100,000-entry IN list). */
const HEAVY_SQL = `SELECT count(*) FROM orders WHERE id IN (${Array.from({ length: 110_000 }, (_, i) => 100_000 + i).join(',')})`;

let h: ProxyHarness;

beforeAll(async () => {
  h = await startProxyHarness({ maxMessageBytes: 2 * 1024 * 1024, decisionTimeoutMs: 5_000 });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('PostgreSQL proxy: fairness between sessions', () => {
  it(`a SELECT 1 is decided while ${FLOODERS} sessions send ~800 KB statements`, async () => {
    expect(HEAVY_SQL.length).toBeGreaterThan(750_000);
    let stop = false;
    const answered: number[] = Array.from({ length: FLOODERS }, () => 0);
    const flooders: pg.Client[] = [];
    for (let i = 0; i < FLOODERS; i++) {
      const client = proxyClient(h, await h.issue());
      client.on('error', () => undefined);
      await client.connect();
      flooders.push(client);
    }
    let sent = 0;
    const floods = flooders.map(async (client, i) => {
      while (!stop) {
        sent++;
        // Allowed or denied (a decision past its deadline is a deny): either way an answer.
        await client.query(HEAVY_SQL).catch((error: { code?: string }) => expect(error.code).toBe('42501'));
        answered[i]!++;
      }
    });
    try {
      // The flood is under way: every session has a heavy statement with the service.
      while (sent < FLOODERS) await new Promise((r) => setTimeout(r, 20));
      const probe = proxyClient(h, await h.issue());
      await probe.connect();
      try {
        for (let i = 0; i < 3; i++) {
          expect((await probe.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        }
      } finally {
        await probe.end();
      }
    } finally {
      stop = true;
      await Promise.all(floods);
      await Promise.all(flooders.map((client) => client.end().catch(() => undefined)));
    }
    // The flooding sessions were answered too (none was dropped).
    expect(answered.every((n) => n > 0)).toBe(true);
  }, 300_000);
});
