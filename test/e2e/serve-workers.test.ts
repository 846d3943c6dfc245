import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../engine/model/index.ts';
import { jsonToStruct } from '../../proto/struct-json.ts';
import { initFactExtractors } from '../../engine/evaluation/index.ts';
import { loadGatehouseProtos } from '../../proto/gatehouse-protos.ts';
import type { ApprovalServiceClient } from '../../proto/generated/gatehouse/v1/ApprovalService.ts';
import type { AwaitApprovalResponse__Output } from '../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import type { DecideResponse__Output } from '../../proto/generated/gatehouse/v1/DecideResponse.ts';
import type { DecisionServiceClient } from '../../proto/generated/gatehouse/v1/DecisionService.ts';
import type { DecideStreamResponse__Output } from '../../proto/generated/gatehouse/v1/DecideStreamResponse.ts';
import type { GetApprovalResponse__Output } from '../../proto/generated/gatehouse/v1/GetApprovalResponse.ts';
import { buildFixtureBundle } from '../engine/server/service-fixture.ts';
import { freePort } from '../support/free-port.ts';
import { createTestDatabase } from '../engine/control/state/postgres-test-database.ts';
import { OidcTestIssuer } from '../engine/control/tokens/oidc-test-issuer.ts';
import { bearer, call, TOKEN_FLOW_POLICY } from '../engine/control/tokens/token-server-fixture.ts';
import { eventually, gatehouse, readEvents, startBackground, GATEHOUSE, type Background } from './e2e-stack.ts';

// `gatehouse serve --workers 2` as an operator runs it: two worker processes on one listening
// socket, PostgreSQL state, the primary writing the one audit file. Each test client opens its
// own connection (no shared subchannel), so the kernel-level connection spreads over the workers;
// which worker answered a connection is read from /metrics (worker="N" on every series).

let work: string;
let idp: OidcTestIssuer;
let state: { url: string; drop(): Promise<void> };
let serve: Background;
let address: string;
let metricsAddress: string;
let auditPath: string;
const clients: { close(): void }[] = [];


/** A client on a connection of its own: grpc-js would otherwise share one subchannel among clients. */
function decisionClient(): DecisionServiceClient {
  const client = new (loadGatehouseProtos().services.DecisionService)(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  clients.push(client);
  return client;
}

/** An ApprovalService client on the connection of `over`, so its calls reach the same worker. */
function approvalClient(over: DecisionServiceClient): ApprovalServiceClient {
  const client = new (loadGatehouseProtos().services.ApprovalService)(address, grpc.credentials.createInsecure(), { channelOverride: over.getChannel() });
  clients.push(client);
  return client;
}

const orders = { type: 'Database', id: 'orders', attributes: jsonToStruct({ env: 'dev' }) };
const planner = { id: 'planner-1', groups: ['planners'] };

function query(client: DecisionServiceClient, text: string, requestId = randomBytes(8).toString('hex')): Promise<DecideResponse__Output> {
  return call(client.Decide.bind(client), { subject: planner, action: 'db.query', resource: orders, context: jsonToStruct({ sql: { text } } as JsonObject), request_id: requestId });
}

/** Decisions answered so far, per worker id, from the primary's aggregated /metrics. */
async function decisionsByWorker(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('gatehouse_decisions_total{')) continue;
    const worker = /worker="(\d+)"/.exec(line)?.[1];
    if (worker === undefined) throw new Error(`a decision series without a worker label: ${line}`);
    counts.set(worker, (counts.get(worker) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Which worker serves this client's connection: the one whose decision count moved by its one call. */
async function workerOf(client: DecisionServiceClient): Promise<string> {
  const before = await decisionsByWorker();
  expect((await query(client, 'SELECT 1')).effect).toBe('EFFECT_ALLOW');
  const after = await decisionsByWorker();
  const moved = [...after].filter(([worker, n]) => n !== (before.get(worker) ?? 0)).map(([worker]) => worker);
  expect(moved).toHaveLength(1);
  return moved[0]!;
}

function workerPids(): Map<string, number> {
  return workerPidsOf(serve);
}

function workerPidsOf(service: Background): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of service.stdout.split('\n')) {
    const match = /"pid":(\d+),.*"worker":(\d+)/.exec(line);
    if (match) pids.set(match[2]!, Number(match[1]));
  }
  return pids;
}

let bundle: string;
const kek = randomBytes(32).toString('hex');

function startServe(name: string, listen: string, metrics: string, audit: string): Background {
  return startBackground(
    name,
    process.execPath,
    [
      GATEHOUSE, 'serve',
      '--workers', '2',
      '--bundle', bundle,
      '--listen', listen,
      '--metrics', metrics,
      '--state', state.url,
      '--audit', `file:${audit}`,
      '--audit-source', 'gatehouse://e2e/serve-workers',
      '--oidc-issuer', idp.issuer,
      '--oidc-audience', idp.audience,
      '--oidc-jwks', `${idp.issuer}/jwks`,
    ],
    { cwd: work, env: { GATEHOUSE_KEK: kek } },
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gh-serve-workers-'));
  idp = await OidcTestIssuer.start();
  state = await createTestDatabase('gh_serve_workers');
  await initFactExtractors();
  bundle = join(work, 'bundle.tar.gz');
  await buildFixtureBundle(work, 'policy', TOKEN_FLOW_POLICY, bundle);
  address = `127.0.0.1:${await freePort()}`;
  metricsAddress = `127.0.0.1:${await freePort()}`;
  auditPath = join(work, 'audit.jsonl');
  serve = startServe('serve --workers 2', address, metricsAddress, auditPath);
  await serve.waitFor(/"workers":2,.*"msg":"decision service listening"/);
}, 300_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await serve?.stop().catch(() => undefined);
  await state?.drop().catch(() => undefined);
  await idp?.close().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

describe('gatehouse serve --workers 2', () => {
  it('refuses more than one worker on memory state, with a one-line reason', async () => {
    const run = await gatehouse(['serve', '--workers', '2', '--state', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^gatehouse: serve: --workers 2 needs --state postgres:\/\/…/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('connections land on both workers; an approval made through one is visible and resolved through the other', async () => {
    const connections = Array.from({ length: 6 }, () => decisionClient());
    const workerOfConnection = [];
    for (const client of connections) workerOfConnection.push(await workerOf(client));
    expect(new Set(workerOfConnection)).toEqual(new Set(['1', '2']));

    const held = connections[workerOfConnection.indexOf('1')]!;
    const elsewhere = connections[workerOfConnection.indexOf('2')]!;
    const answer = await query(held, 'DROP TABLE customers');
    expect(answer.effect).toBe('EFFECT_REQUIRE_APPROVAL');
    expect(answer.approval_id).not.toBe('');

    // Worker 1 created the approval; the reviewer sees and approves it through worker 2, and the
    // held caller's wait on worker 1 is woken by that (PostgreSQL LISTEN/NOTIFY between them).
    const reviewer = await idp.token('rita', { groups: ['reviewers'] });
    const approvals = approvalClient(elsewhere);
    const seen = (await call(approvals.GetApproval.bind(approvals), { approval_id: answer.approval_id }, bearer(reviewer))) as GetApprovalResponse__Output;
    expect(seen.approval?.status).toBe('APPROVAL_STATUS_PENDING');
    const messages: AwaitApprovalResponse__Output[] = [];
    const waiter = approvalClient(held);
    const waited = new Promise<void>((resolve, reject) => {
      const stream = waiter.AwaitApproval({ approval_id: answer.approval_id, capability: answer.approval_capability });
      stream.on('data', (m: AwaitApprovalResponse__Output) => messages.push(m));
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    await expect.poll(() => messages.length, { timeout: 60_000 }).toBeGreaterThan(0);
    await call(approvals.Approve.bind(approvals), { approval_id: answer.approval_id, comment: 'workers test' }, bearer(reviewer));
    await waited;
    expect(messages.at(-1)!.approval?.status).toBe('APPROVAL_STATUS_APPROVED');

    // A retry of the held request through the other worker is answered from the shared idempotency record.
    const retried = await call(elsewhere.Decide.bind(elsewhere), {
      subject: planner,
      action: 'db.query',
      resource: orders,
      context: jsonToStruct({ sql: { text: 'DROP TABLE customers' } } as JsonObject),
      request_id: answer.request_id,
    }) as DecideResponse__Output;
    expect(retried.decision_id).toBe(answer.decision_id);
  });

  it('a killed worker drops its streams at once and is replaced; every event of every worker is in one verified chain', async () => {
    const client = decisionClient();
    const victim = await workerOf(client);
    const pid = workerPids().get(victim);
    expect(pid).toBeDefined();

    const answers: DecideStreamResponse__Output[] = [];
    const stream = client.DecideStream();
    const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
      stream.on('data', (m: DecideStreamResponse__Output) => answers.push(m));
      stream.on('error', (error: grpc.ServiceError) => resolve(error));
      stream.on('end', () => resolve(undefined));
    });
    stream.write({ request: { subject: planner, action: 'db.query', resource: orders, context: jsonToStruct({ sql: { text: 'SELECT 2' } } as JsonObject), request_id: 'before-kill' } });
    await expect.poll(() => answers.length, { timeout: 60_000 }).toBe(1);

    const replacedBefore = serve.stdout.split('worker replaced and ready').length;
    process.kill(pid!, 'SIGKILL');
    // No hang: the open stream ends with an error as soon as the worker's connection drops.
    const error = await ended;
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);

    await eventually('a replacement worker', async () => (serve.stdout.split('worker replaced and ready').length > replacedBefore ? true : undefined));
    expect(serve.stdout).toMatch(new RegExp(`"worker":${victim},.*"signal":"SIGKILL".*"msg":"decision service worker died`));
    expect(serve.running).toBe(true);
    const ready = await fetch(`http://${metricsAddress}/readyz`);
    expect(ready.status).toBe(200);
    const fresh = decisionClient();
    expect((await query(fresh, 'SELECT 3')).effect).toBe('EFFECT_ALLOW');

    expect(await serve.stop()).toBe(0);
    const { events } = await readEvents(auditPath);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['gatehouse://e2e/serve-workers']));
    // 6 connections placed, the DROP, the victim placed, its stream, the fresh one: each once
    // (the retry of the DROP was answered from the shared idempotency record, not decided again).
    expect(events.filter((e) => e.type === 'gatehouse.decision.v1')).toHaveLength(10);
    const verified = await gatehouse(['audit', 'verify', '--source', `file:${auditPath}`, '--format', 'json']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as { sources: { source: string; events: number }[] };
    expect(report.sources).toHaveLength(1);
    expect(report.sources[0]!.events).toBe(events.length);
  });

  it('a killed primary takes its workers with it: an open stream ends at once, nothing keeps serving', async () => {
    address = `127.0.0.1:${await freePort()}`;
    const other = startServe('serve --workers 2 (primary killed)', address, `127.0.0.1:${await freePort()}`, join(work, 'audit-killed.jsonl'));
    try {
      await other.waitFor(/"workers":2,.*"msg":"decision service listening"/);
      const client = decisionClient();
      expect((await query(client, 'SELECT 1')).effect).toBe('EFFECT_ALLOW');
      const stream = client.DecideStream();
      const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
        stream.on('data', () => undefined);
        stream.on('error', (error: grpc.ServiceError) => resolve(error));
        stream.on('end', () => resolve(undefined));
      });
      other.child.kill('SIGKILL');
      expect((await ended)?.code).toBe(grpc.status.UNAVAILABLE);
      const workers = [...workerPidsOf(other)];
      expect(workers).toHaveLength(2);
      await eventually('the workers gone', async () => (workers.every(([, pid]) => !alive(pid)) ? true : undefined));
      const refused = await query(decisionClient(), 'SELECT 4').then(
        () => undefined,
        (error: grpc.ServiceError) => error.code,
      );
      expect(refused).toBe(grpc.status.UNAVAILABLE);
    } finally {
      await other.stop().catch(() => undefined);
    }
  });
});
