import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionAsk } from '../../../dataplane/sdk/data-plane-decision.ts';
import { FairDecisionClient } from '../../../dataplane/sdk/fair-decision-client.ts';
import { initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import { MAX_FACT_ENTRIES } from '../../../engine/evaluation/facts/facts-size.ts';
import { BASE_POLICY, buildFixtureBundle, startTestServer, type TestServer } from '../../engine/server/service-fixture.ts';

// FairDecisionClient against a real decision service on the fixture policy (dev reads by a dba
// are allowed with email masked).

let work = '';
let server: TestServer;

beforeAll(async () => {
  await initFactExtractors();
  work = mkdtempSync(join(tmpdir(), 'gatehouse-fair-client-'));
  const bundle = join(work, 'bundle.tar.gz');
  await buildFixtureBundle(work, 'policy', BASE_POLICY, bundle);
  server = await startTestServer(work, bundle);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function ask(sessionId: string, text: string): DecisionAsk {
  return {
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } },
    context: { sql: { text } },
    subject: { id: 'alice', type: 'User', groups: ['dba'] },
    sessionId,
  };
}

describe('FairDecisionClient', () => {
  it('decides small and large requests of different sessions side by side', async () => {
    const client = new FairDecisionClient({ address: server.server.address, deadlineMs: 20_000 });
    try {
      const large = `SELECT id FROM orders WHERE note = '${'x'.repeat(200_000)}'`;
      const answers = await Promise.all([client.decide(ask('s1', large)), client.decide(ask('s2', 'SELECT id, email FROM orders')), client.decide(ask('s3', large))]);
      expect(answers.map((a) => a.effect)).toEqual(['allow', 'allow', 'allow']);
      expect(answers[1]!.obligations).toEqual({ mask: ['email'] });
    } finally {
      client.close();
    }
  });

  it('denies a request larger than maxRequestBytes without sending it, with the reason', async () => {
    const client = new FairDecisionClient({ address: server.server.address, deadlineMs: 20_000 });
    try {
      const answer = await client.decide(ask('big', `SELECT '${'y'.repeat(1024 * 1024)}'`));
      expect(answer.effect).toBe('deny');
      expect(answer.decisionId).toBe('');
      expect(answer.reasons).toEqual([expect.stringMatching(/^gatehouse: the request is \d+ bytes, more than the 1048576 bytes a decision may carry; denied$/)]);
    } finally {
      client.close();
    }
  });

  it('holds a session to its in-flight share and denies past its waiting share; other sessions are unaffected', async () => {
    const client = new FairDecisionClient({ address: server.server.address, deadlineMs: 20_000, perSessionInFlight: 1, perSessionWaiting: 1 });
    try {
      const first = client.decide(ask('greedy', 'SELECT id FROM orders WHERE id = 1'));
      const second = client.decide(ask('greedy', 'SELECT id FROM orders WHERE id = 2'));
      const third = await client.decide(ask('greedy', 'SELECT id FROM orders WHERE id = 3'));
      expect(third.effect).toBe('deny');
      expect(third.reasons[0]).toBe('gatehouse: session greedy already has 1 decisions in flight and 1 waiting; denied (wait for answers before sending more)');
      const other = await client.decide(ask('polite', 'SELECT 1'));
      expect(other.effect).toBe('allow');
      expect((await first).effect).toBe('allow');
      expect((await second).effect).toBe('allow');
      // Once answered, the session has its share back.
      expect((await client.decide(ask('greedy', 'SELECT 2'))).effect).toBe('allow');
    } finally {
      client.close();
    }
  });

  it('a statement with more facts than the engine accepts is denied with the reason', async () => {
    const client = new FairDecisionClient({ address: server.server.address, deadlineMs: 30_000 });
    try {
      const columns = Array.from({ length: MAX_FACT_ENTRIES + 10 }, (_, i) => `c${i}`).join(', ');
      const answer = await client.decide(ask('wide', `SELECT ${columns} FROM orders`));
      expect(answer.effect).toBe('deny');
      expect(answer.reasons.join('; ')).toContain(`the text yields more than ${MAX_FACT_ENTRIES} facts`);
    } finally {
      client.close();
    }
  });
});
