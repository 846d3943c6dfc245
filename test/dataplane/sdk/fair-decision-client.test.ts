import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatehouseProtos } from '../../../proto/gatehouse-protos.ts';
import type { DecideStreamRequest__Output } from '../../../proto/generated/gatehouse/v1/DecideStreamRequest.ts';
import type { DecisionServiceHandlers } from '../../../proto/generated/gatehouse/v1/DecisionService.ts';
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

  it('sends the context as context_json, which the service decides on', async () => {
    const client = new FairDecisionClient({ address: server.server.address, deadlineMs: 20_000 });
    try {
      const answer = await client.decide(ask('json', 'SELECT id, email FROM orders'));
      expect(answer).toMatchObject({ effect: 'allow', obligations: { mask: ['email'] } });
      // The service parsed the text it got: SQL that does not parse is denied with the parser's reason.
      const unparsable = await client.decide(ask('json', 'SELEC id FROM orders'));
      expect(unparsable.effect).toBe('deny');
      expect(unparsable.reasons.join('; ')).toMatch(/^facts:.*syntax error/);
    } finally {
      client.close();
    }
  });

  it('denies the answer of a service older than context_json, which decided on an empty context', async () => {
    // What a service before the field does: context_json is an unknown field to it, and its
    // answers do not carry reads_context_json.
    const seen: DecideStreamRequest__Output[] = [];
    const handlers: Pick<DecisionServiceHandlers, 'DecideStream'> = {
      DecideStream(call) {
        call.on('data', (message: DecideStreamRequest__Output) => {
          seen.push(message);
          const id = message.request?.request_id ?? '';
          call.write({ request_id: id, response: { decision_id: 'old', effect: 'EFFECT_ALLOW', reasons: [], request_id: id, policy_revision: 'r' } });
        });
        call.on('end', () => call.end());
      },
    };
    const old = new grpc.Server();
    old.addService(loadGatehouseProtos().services.DecisionService.service, handlers as DecisionServiceHandlers);
    const port = await new Promise<number>((resolve, reject) =>
      old.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const client = new FairDecisionClient({ address: `127.0.0.1:${port}`, deadlineMs: 20_000 });
    try {
      const answer = await client.decide(ask('old', 'DELETE FROM orders'));
      expect(answer.effect).toBe('deny');
      expect(answer.reasons).toEqual(['gatehouse: the decision service does not read context_json (it is older than this data plane); upgrade it; denied']);
      expect(seen).toHaveLength(1);
      expect(JSON.parse(Buffer.from(seen[0]!.request!.context_json).toString('utf8'))).toEqual({ sql: { text: 'DELETE FROM orders' } });
    } finally {
      client.close();
      old.forceShutdown();
    }
  });

  it('a service that never answers: every request is denied once its own deadline passes', async () => {
    const silent = new grpc.Server();
    const handlers: Pick<DecisionServiceHandlers, 'DecideStream'> = {
      DecideStream(call) {
        call.on('data', () => undefined);
        call.on('end', () => call.end());
      },
    };
    silent.addService(loadGatehouseProtos().services.DecisionService.service, handlers as DecisionServiceHandlers);
    const port = await new Promise<number>((resolve, reject) =>
      silent.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const client = new FairDecisionClient({ address: `127.0.0.1:${port}`, deadlineMs: 400 });
    try {
      const first = client.decide(ask('a', 'SELECT 1'));
      await new Promise((r) => setTimeout(r, 150));
      const answers = await Promise.all([first, client.decide(ask('b', 'SELECT 2')), client.decide(ask('a', 'SELECT 3'))]);
      for (const answer of answers) {
        expect(answer.effect).toBe('deny');
        expect(answer.reasons).toEqual(['gatehouse: decision service unavailable (deadline of 400 ms passed); denied (fail closed)']);
      }
    } finally {
      client.close();
      silent.forceShutdown();
    }
  });

  it('a context JSON cannot carry (NaN, Infinity, undefined) is denied without sending, naming the value', async () => {
    const client = new FairDecisionClient({ address: server.server.address, deadlineMs: 20_000 });
    try {
      const nan = await client.decide({ ...ask('nan', 'SELECT 1'), context: { sql: { text: 'SELECT 1', parameters: [{ value: Number.NaN }] } } });
      expect(nan).toMatchObject({ effect: 'deny', decisionId: '' });
      expect(nan.reasons).toEqual(['gatehouse: the request cannot be encoded (context.sql.parameters[0].value: numbers must be finite (no NaN or Infinity)); denied']);
      const missing = await client.decide({ ...ask('undef', 'SELECT 1'), context: { sql: { text: 'SELECT 1' }, extra: undefined as unknown as null } });
      expect(missing.reasons).toEqual(['gatehouse: the request cannot be encoded (context.extra: undefined is not a JSON value); denied']);
      // The Struct-encoded parts (attributes) are refused the same way.
      const attributes = await client.decide({ ...ask('attr', 'SELECT 1'), resource: { type: 'Database', id: 'orders', attributes: { env: 'dev', weight: Number.POSITIVE_INFINITY } } });
      expect(attributes.reasons).toEqual(['gatehouse: the request cannot be encoded (resource.attributes.weight: numbers must be finite (no NaN or Infinity)); denied']);
    } finally {
      client.close();
    }
  });
});
