import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DecideStreamResponse__Output } from '../../../proto/generated/gatehouse/v1/DecideStreamResponse.ts';
import type { DecideBatchResponse__Output } from '../../../proto/generated/gatehouse/v1/DecideBatchResponse.ts';
import { PROTO_LOADER_OPTIONS } from '../../../proto/gatehouse-protos.ts';
import { structToJson } from '../../../proto/struct-json.ts';
import { ServiceStartError } from '../../../engine/server/service-start-error.ts';
import { policyDirSource } from '../../../engine/decision/bundle-source.ts';
import {
  BASE_POLICY,
  buildFixtureBundle,
  decide,
  decisionClient,
  query,
  startTestServer,
  writeEd25519KeyPair,
  writePolicyDir,
  writeTlsFiles,
  type TestServer,
} from './service-fixture.ts';

// Real opa-built bundles served over real gRPC on 127.0.0.1. One shared server answers the
// read-only cases; reload, TLS and audit cases start their own.

let work: string;
let bundleA: string;
let revisionA: string;
let bundleB: string;
let revisionB: string;
let failingTests: string;
let keys: { privateKey: string; publicKey: string };
let signedA: string;
let shared: TestServer;

const FAILING_TESTS = {
  ...BASE_POLICY,
  'tests/basic.yaml': BASE_POLICY['tests/basic.yaml'].replace('expect: { effect: allow', 'expect: { effect: deny'),
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-serve-'));
  keys = writeEd25519KeyPair(work, 'bundle');
  bundleA = join(work, 'a.tar.gz');
  revisionA = await buildFixtureBundle(work, 'policy-a', BASE_POLICY, bundleA);
  bundleB = join(work, 'b.tar.gz');
  revisionB = await buildFixtureBundle(work, 'policy-b', { ...BASE_POLICY, 'policy.rego': BASE_POLICY['policy.rego'] + '\n# revision b\n' }, bundleB);
  failingTests = join(work, 'failing.tar.gz');
  await buildFixtureBundle(work, 'policy-failing', FAILING_TESTS, failingTests);
  signedA = join(work, 'signed-a.tar.gz');
  await buildFixtureBundle(work, 'policy-signed', BASE_POLICY, signedA, keys.privateKey);
  shared = await startTestServer(work, bundleA);
});

afterAll(async () => {
  await shared?.close();
  rmSync(work, { recursive: true, force: true });
});

function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: grpc.ServiceError) => error,
  );
}

function auditLines(path: string): Array<{ type: string; data: Record<string, unknown> }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('DecisionService.Decide over gRPC with a real bundle', () => {
  it('a dev read by a dba is allowed with email masked, naming the revision', async () => {
    const response = await decide(shared.client, query('dev'));
    expect(response.effect).toBe('EFFECT_ALLOW');
    expect(structToJson(response.obligations, 'obligations')).toEqual({ mask: ['email'] });
    expect(response.policy_revision).toBe(revisionA);
    expect(response.decision_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('db.drop is denied with the Rego reason', async () => {
    const response = await decide(shared.client, query('dev', { action: 'db.drop' }));
    expect(response.effect).toBe('EFFECT_DENY');
    expect(response.reasons.join('\n')).toContain('drop is never allowed');
  });

  it('a prod query requires approval (no approval store: no approval id)', async () => {
    const response = await decide(shared.client, query('prod'));
    expect(response.effect).toBe('EFFECT_REQUIRE_APPROVAL');
    expect(response.approval_id).toBe('');
  });

  it('a Cedar forbid beats a Rego allow', async () => {
    const request = query('dev');
    request.resource = { ...request.resource, id: 'secrets' };
    const response = await decide(shared.client, request);
    expect(response.effect).toBe('EFFECT_DENY');
    expect(response.reasons.join('\n')).toMatch(/cedar:no-secrets/);
  });

  it('an action the Rego policy leaves undefined is denied', async () => {
    const response = await decide(shared.client, query('dev', { action: 'db.other' }));
    expect(response.effect).toBe('EFFECT_DENY');
  });

  it('a subject outside every Cedar permit is denied', async () => {
    const response = await decide(shared.client, query('dev', { subject: { id: 'bob', groups: ['dev'] } }));
    expect(response.effect).toBe('EFFECT_DENY');
  });

  it('SQL that does not parse is denied with a facts reason', async () => {
    const response = await decide(shared.client, query('dev', {}, 'SELEC FROM WHERE'));
    expect(response.effect).toBe('EFFECT_DENY');
    expect(response.reasons[0]).toMatch(/^facts: /);
  });

  it.each([
    ['a missing action', { action: '' }, 'action: required'],
    ['a malformed action', { action: 'db query' }, 'action: must be'],
    ['a missing resource type', { resource: { id: 'orders' } }, 'resource.type: required'],
    ['a missing resource id', { resource: { type: 'Database' } }, 'resource.id: required'],
    ['no subject and no token', { subject: null }, 'subject: required when no token is sent'],
    ['context.sql that is not an object', { context: { fields: { sql: { stringValue: 'SELECT 1' } } } }, 'context.sql: must be an object'],
    ['a request_id with spaces', { request_id: 'a b' }, 'request_id: must be printable ASCII'],
  ])('%s is INVALID_ARGUMENT naming the field', async (_name, over, message) => {
    const error = await grpcError(decide(shared.client, query('dev', over as never)));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details.startsWith(message)).toBe(true);
  });

  it('a call whose deadline has already passed is not answered as allow', async () => {
    const error = await grpcError(decide(shared.client, query('dev'), { deadline: Date.now() - 1000 }));
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  it('a retry with the same request_id returns the same decision, audited once', async () => {
    const first = await decide(shared.client, query('dev', { request_id: 'retry-1' }));
    const second = await decide(shared.client, query('dev', { request_id: 'retry-1' }));
    expect(second.decision_id).toBe(first.decision_id);
    expect(second.request_id).toBe('retry-1');
    const events = auditLines(shared.auditPath).filter((event) => event.data.decisionId === first.decision_id);
    expect(events).toHaveLength(1);
  });

  it('the same request_id with a different request is FAILED_PRECONDITION', async () => {
    await decide(shared.client, query('dev', { request_id: 'retry-2' }));
    const error = await grpcError(decide(shared.client, query('prod', { request_id: 'retry-2' })));
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error.details).toMatch(/^request_id: /);
  });

  it('the decision event is in the audit file when the answer arrives', async () => {
    const response = await decide(shared.client, query('dev', { session_id: 'sess-1', request_id: 'audit-1' }));
    const event = auditLines(shared.auditPath).find((line) => line.data.decisionId === response.decision_id);
    expect(event).toMatchObject({
      type: 'gatehouse.decision.v1',
      data: { effect: 'allow', requestId: 'audit-1', sessionId: 'sess-1', policyRevision: revisionA },
    });
  });
});

describe('DecideBatch and DecideStream', () => {
  it('a batch is answered in request order', async () => {
    const response = await new Promise<DecideBatchResponse__Output>((resolve, reject) =>
      shared.client.DecideBatch({ requests: [query('dev'), query('prod'), query('dev', { action: 'db.drop' })] }, (error, value) => (error || !value ? reject(error) : resolve(value))),
    );
    expect(response.responses.map((r) => r.effect)).toEqual(['EFFECT_ALLOW', 'EFFECT_REQUIRE_APPROVAL', 'EFFECT_DENY']);
  });

  it('a batch with one malformed request fails naming requests[i].field', async () => {
    const error = await grpcError(
      new Promise((resolve, reject) =>
        shared.client.DecideBatch({ requests: [query('dev'), query('dev', { action: '' })] }, (e, value) => (e ? reject(e) : resolve(value))),
      ),
    );
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^requests\[1\]\.action: required/);
  });

  it('a stream answers every request matched by request_id; a malformed one gets an error and the stream goes on', async () => {
    const stream = shared.client.DecideStream();
    const answers = new Map<string, DecideStreamResponse__Output>();
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: DecideStreamResponse__Output) => answers.set(message.request_id || '(none)', message));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (let i = 0; i < 50; i++) stream.write({ request: query(i % 2 ? 'dev' : 'prod', { request_id: `s-${i}` }) });
    stream.write({ request: query('dev', { request_id: 's-bad', action: '' }) });
    stream.write({ request: query('dev') });
    stream.write({ request: query('dev', { request_id: 's-last', action: 'db.drop' }) });
    stream.end();
    await done;
    expect(answers.size).toBe(53);
    for (let i = 0; i < 50; i++) {
      expect(answers.get(`s-${i}`)?.response?.effect).toBe(i % 2 ? 'EFFECT_ALLOW' : 'EFFECT_REQUIRE_APPROVAL');
    }
    expect(answers.get('s-bad')?.error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: 'action: required (e.g. "db.query")' });
    expect(answers.get('(none)')?.error?.message).toMatch(/^request_id: required on DecideStream/);
    expect(answers.get('s-last')?.response?.effect).toBe('EFFECT_DENY');
  });

  it('closing the server answers what an open stream sent, ends it with OK, and refuses new calls', async () => {
    const server = await startTestServer(work, bundleA);
    const stream = server.client.DecideStream();
    const answers: DecideStreamResponse__Output[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: DecideStreamResponse__Output) => answers.push(message));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (let i = 0; i < 20; i++) stream.write({ request: query('dev', { request_id: `shutdown-${i}` }) });
    // The first answer proves the server has read the stream before shutdown starts.
    await vi.waitFor(() => expect(answers.length).toBeGreaterThan(0), { timeout: 30_000, interval: 10 });
    const closing = server.server.close();
    await ended;
    await closing;
    expect(answers.every((a) => a.response?.effect === 'EFFECT_ALLOW' || a.error?.code === grpc.status.UNAVAILABLE)).toBe(true);
    const error = await grpcError(decide(server.client, query('dev'), { deadline: Date.now() + 5000 }));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    server.client.close();
  });
});

describe('health, reflection and metrics', () => {
  it('grpc.health.v1.Health reports SERVING for the server and DecisionService', async () => {
    const definition = protoLoader.loadSync(healthProtoPath, PROTO_LOADER_OPTIONS);
    const Health = (grpc.loadPackageDefinition(definition) as unknown as { grpc: { health: { v1: { Health: typeof grpc.Client } } } }).grpc.health.v1.Health;
    const client = new Health(shared.server.address, grpc.credentials.createInsecure()) as grpc.Client & {
      Check(request: { service: string }, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
    };
    try {
      for (const service of ['', 'gatehouse.v1.DecisionService']) {
        const response = await new Promise<{ status: string } | undefined>((resolve, reject) => client.Check({ service }, (e, r) => (e ? reject(e) : resolve(r))));
        expect(response?.status).toBe('SERVING');
      }
    } finally {
      client.close();
    }
  });

  it('server reflection lists DecisionService and Health', async () => {
    const definition = protoLoader.loadSync(
      join(import.meta.dirname, '..', '..', '..', 'node_modules', '@grpc', 'reflection', 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto'),
      PROTO_LOADER_OPTIONS,
    );
    const Reflection = (grpc.loadPackageDefinition(definition) as unknown as { grpc: { reflection: { v1: { ServerReflection: typeof grpc.Client } } } }).grpc.reflection.v1
      .ServerReflection;
    const client = new Reflection(shared.server.address, grpc.credentials.createInsecure()) as grpc.Client & {
      ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, { list_services_response?: { service: Array<{ name: string }> } }>;
    };
    try {
      const call = client.ServerReflectionInfo();
      const response = await new Promise<{ list_services_response?: { service: Array<{ name: string }> } }>((resolve, reject) => {
        call.on('data', resolve);
        call.on('error', reject);
        call.write({ list_services: '*' });
      });
      call.end();
      const names = response.list_services_response?.service.map((s) => s.name) ?? [];
      expect(names).toEqual(expect.arrayContaining(['gatehouse.v1.DecisionService', 'grpc.health.v1.Health']));
    } finally {
      client.close();
    }
  });

  it('/metrics counts decisions by effect and names the active revision; /healthz and /readyz answer 200', async () => {
    const server = await startTestServer(work, bundleA, { metricsListen: '127.0.0.1:0' });
    try {
      await decide(server.client, query('dev'));
      const base = `http://${server.server.metricsAddress}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/gatehouse_decisions_total\{effect="allow"\} 1/);
      expect(metrics).toContain(`gatehouse_bundle_active{revision="${revisionA}"} 1`);
      expect(metrics).toContain('gatehouse_decision_duration_seconds_bucket');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('bundle activation and hot reload', () => {
  it('replacing the bundle file activates the new revision', async () => {
    const path = join(work, 'live.tar.gz');
    copyFileSync(bundleA, path);
    const server = await startTestServer(work, path);
    try {
      copyFileSync(bundleB, `${path}.tmp`);
      renameSync(`${path}.tmp`, path);
      await vi.waitFor(() => expect(server.server.active.current()?.revision).toBe(revisionB), { timeout: 30_000, interval: 100 });
      expect((await decide(server.client, query('dev'))).policy_revision).toBe(revisionB);
    } finally {
      await server.close();
    }
  });

  it('serving a policy directory, an edited policy file is rebuilt and activated; other files are ignored', async () => {
    const dir = writePolicyDir(join(work, 'live-policy'), BASE_POLICY);
    const out = join(work, 'live-policy-bundle.tar.gz');
    const server = await startTestServer(work, bundleA, { bundleSource: policyDirSource(dir, { out }) });
    try {
      const first = server.server.active.current()?.revision;
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(join(dir, 'notes.txt'), 'not a policy file');
      // A comment-only edit compiles to the same bundle (same revision); a changed reason does not.
      writeFileSync(join(dir, 'policy.rego'), BASE_POLICY['policy.rego'].replace('"dev reads"', '"dev reads, edited"'));
      await vi.waitFor(() => expect(server.server.active.current()?.revision).not.toBe(first), { timeout: 60_000, interval: 100 });
      const response = await decide(server.client, query('dev'));
      expect(response.policy_revision).toBe(server.server.active.current()?.revision);
      expect(response.reasons).toContain('rego:gatehouse/decision: dev reads, edited');
    } finally {
      await server.close();
    }
  });

  it('a corrupt bundle is never activated: the active one stays and the failure is counted', async () => {
    const path = join(work, 'corrupt.tar.gz');
    copyFileSync(bundleA, path);
    const server = await startTestServer(work, path);
    try {
      writeFileSync(path, 'this is not a gzip tarball');
      const result = await server.server.reload();
      expect(result.outcome).toBe('failed');
      expect(server.server.active.current()?.revision).toBe(revisionA);
      expect((await decide(server.client, query('dev'))).effect).toBe('EFFECT_ALLOW');
      const metrics = await server.server.metrics.registry.getSingleMetricAsString('gatehouse_bundle_reload_failures_total');
      expect(metrics).toMatch(/gatehouse_bundle_reload_failures_total [1-9]/);
    } finally {
      await server.close();
    }
  });

  it('with a verification key, an unsigned bundle is never activated', async () => {
    const path = join(work, 'signed-live.tar.gz');
    copyFileSync(signedA, path);
    const server = await startTestServer(work, path, { verificationKey: keys.publicKey });
    try {
      const before = server.server.active.current()?.revision;
      copyFileSync(bundleB, path);
      const result = await server.server.reload();
      expect(result.outcome).toBe('failed');
      expect(server.server.active.current()?.revision).toBe(before);
    } finally {
      await server.close();
    }
  });

  it('with a verification key, startup with an unsigned bundle fails', async () => {
    await expect(startTestServer(work, bundleA, { verificationKey: keys.publicKey })).rejects.toBeInstanceOf(ServiceStartError);
  });

  it('a bundle whose own decision tests fail is never activated, at startup or on reload', async () => {
    await expect(startTestServer(work, failingTests)).rejects.toThrow(/decision test/);
    const path = join(work, 'tests-live.tar.gz');
    copyFileSync(bundleA, path);
    const server = await startTestServer(work, path);
    try {
      copyFileSync(failingTests, path);
      const result = await server.server.reload();
      expect(result.outcome).toBe('failed');
      expect(server.server.active.current()?.revision).toBe(revisionA);
    } finally {
      await server.close();
    }
  });
});

describe('TLS and audit failure', () => {
  it('with --client-ca a client with a CA-signed certificate is answered and one without is refused', async () => {
    const tls = writeTlsFiles(mkdtempSync(join(work, 'tls-')));
    const server = await startTestServer(work, bundleA, {
      tls: { cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey), clientCa: readFileSync(tls.ca) },
    });
    try {
      const good = decisionClient(server.server.address, grpc.credentials.createSsl(readFileSync(tls.ca), readFileSync(tls.clientKey), readFileSync(tls.clientCert)));
      expect((await decide(good, query('dev'))).effect).toBe('EFFECT_ALLOW');
      good.close();
      const anonymous = decisionClient(server.server.address, grpc.credentials.createSsl(readFileSync(tls.ca)));
      const error = await grpcError(decide(anonymous, query('dev'), { deadline: Date.now() + 10_000 }));
      expect(error.code).toBe(grpc.status.UNAVAILABLE);
      anonymous.close();
      const plaintext = decisionClient(server.server.address);
      expect((await grpcError(decide(plaintext, query('dev'), { deadline: Date.now() + 10_000 }))).code).toBe(grpc.status.UNAVAILABLE);
      plaintext.close();
    } finally {
      await server.close();
    }
  });

  it('an audit file that cannot be written (disk full) turns an allow into a deny', async () => {
    const server = await startTestServer(work, bundleA, { auditPath: '/dev/full' });
    try {
      const response = await decide(server.client, query('dev'));
      expect(response.effect).toBe('EFFECT_DENY');
      expect(response.reasons[0]).toMatch(/^audit: /);
    } finally {
      await server.close();
    }
  });

  it('with audit-required=false an unwritable audit file does not deny', async () => {
    const server = await startTestServer(work, bundleA, { auditPath: '/dev/full', auditRequired: false, auditSinkRequired: false });
    try {
      expect((await decide(server.client, query('dev'))).effect).toBe('EFFECT_ALLOW');
    } finally {
      await server.close();
    }
  });
});
