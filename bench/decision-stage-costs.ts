/**
 * What one PostgreSQL-proxy decision costs on the service, stage by stage, and end to end over
 * one DecideStream with 4 concurrent callers (what the proxy does under pgbench -S). The stages
 * are measured alone on the service thread, so their sum is the service CPU per statement.
 *
 *   node --import tsx bench/decision-stage-costs.ts      (GATEHOUSE_BENCH_SECONDS=3 per stream run)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createAuditSink } from '../audit/create-audit-sink.ts';
import { decisionEventDraft } from '../audit/decision-event.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { loadBundle } from '../engine/testing/load-self-tested-bundle.ts';
import { computeFacts, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import { startDecisionServer } from '../engine/server/decision-server.ts';
import { requestFingerprint } from '../engine/decision/request-fingerprint.ts';
import { MemoryStateStore } from '../engine/control/state/memory-state-store.ts';
import { ScopedTokenGate } from '../engine/control/tokens/scoped-token-gate.ts';
import { openTokenAuthority } from '../engine/control/tokens/token-authority.ts';
import { GrpcDecisionClient } from '../dataplane/sdk/grpc-decision-client.ts';
import { jsonToStruct } from '../proto/struct-json.ts';
import { previewStatement } from '../dataplane/postgres/statement-preview.ts';
import { parseDecideRequest } from '../engine/server/parse-decide-request.ts';
import { loadGatehouseProtos } from '../proto/gatehouse-protos.ts';
import type { DecideStreamRequest, DecideStreamRequest__Output } from '../proto/generated/gatehouse/v1/DecideStreamRequest.ts';
import type { MethodDefinition } from '@grpc/proto-loader';
import { fmt, measure, measureSync } from './bench-table.ts';

const POLICY = `package gatehouse
import rego.v1
decision := {"effect": "allow", "reasons": ["read-only"]} if {
	input.action == "db.query"
	every s in input.context.sql.statements { s.kind == "select" }
} else := {"effect": "deny", "reasons": ["only reads"]}
`;

const seconds = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 3);
const work = await mkdtemp(join(tmpdir(), 'gatehouse-stage-costs-'));
const lines: string[] = [];
const out = (line: string): void => {
  lines.push(line);
  process.stdout.write(line + '\n');
};
try {
  await initFactExtractors();
  await mkdir(join(work, 'policy'));
  await writeFile(join(work, 'policy/gatehouse.yaml'), 'name: stages\nengines: [rego]\n');
  await writeFile(join(work, 'policy/p.rego'), POLICY);
  await buildBundle(join(work, 'policy'), join(work, 'b.tar.gz'));
  const bundle = await loadBundle(join(work, 'b.tar.gz'), { runOwnTests: false });
  const store = new MemoryStateStore();
  const tokens = await openTokenAuthority({ store });
  // GATEHOUSE_BENCH_TOKEN_CACHE=off: every signature verified on every call (before the cache).
  const gate = process.env.GATEHOUSE_BENCH_TOKEN_CACHE === 'off' ? new ScopedTokenGate({ ring: tokens.ring, store, issuer: 'gatehouse', verifiedTokenCacheSize: 0 }) : tokens.gate;
  const resource = { type: 'Database', id: 'bench' };
  const issued = await tokens.issuer.issue({ subject: { id: 'planner', groups: ['dba'] }, actions: ['db.query'], resource, ttlSeconds: 3600, executor: 'bench', now: new Date() });
  const text = (aid: number): string => `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`;
  let aid = 0;
  const ms = 1000;

  // Stages alone, each as the pipeline runs it (a fresh statement text each call, as pgbench sends).
  const facts = measureSync(() => computeFacts({ sql: { text: text(++aid) } }), ms);
  const check = await measure(() => gate.check(issued.token, { action: 'db.query', resource, context: { sql: { text: text(1) } }, now: new Date() }), { concurrency: 1, durationMs: ms });
  const checked = await gate.check(issued.token, { action: 'db.query', resource, context: {}, now: new Date() });
  if (!checked.ok) throw new Error(`token check failed: ${checked.reason}`);
  const use = await measure(() => gate.consumeUse(checked.token, randomUUID()), { concurrency: 1, durationMs: ms });
  const input = (n: number): DecisionInput => ({
    subject: checked.subject, action: 'db.query', resource,
    context: computeFacts({ sql: { text: text(n) } }).context, token: checked.token, time: new Date().toISOString(), sessionId: 's', requestId: randomUUID(),
  });
  const fixed = input(7);
  const policy = measureSync(() => bundle.evaluate(fixed), ms);
  const draft = measureSync(() => decisionEventDraft({ decisionId: 'd', requestId: 'r', effect: 'allow', reasons: ['rego:gatehouse/decision: read-only'], obligations: {}, policyRevision: 'r', engineMicros: 10, input: fixed }), ms);
  const call = { action: 'db.query', resource, context: { sql: { text: text(9) } }, token: issued.token, sessionId: 's', requestId: 'r' };
  const fingerprint = measureSync(() => requestFingerprint(call), ms);
  // The request as the PostgreSQL proxy sends it (statement text plus the catalog of the table it
  // names), both ways on the wire: the client's encoding and the service's decoding and validation.
  const stream = loadGatehouseProtos().packageDefinition['gatehouse.v1.DecisionService'] as Record<string, MethodDefinition<DecideStreamRequest, unknown, DecideStreamRequest__Output, unknown>>;
  const wire = stream.DecideStream!;
  const proxyContext = (n: number) => ({ sql: { text: text(n), catalog: { pgbench_accounts: ['aid', 'bid', 'abalance', 'filler'] }, keys: { pgbench_accounts: ['aid'] } } });
  const envelope = { action: 'db.query', resource: { type: 'Database', id: 'bench', attributes: null }, token: issued.token, session_id: randomUUID(), request_id: randomUUID() };
  const structBytes = wire.requestSerialize({ request: { ...envelope, context: jsonToStruct(proxyContext(5)) } });
  const jsonBytes = wire.requestSerialize({ request: { ...envelope, context_json: Buffer.from(JSON.stringify(proxyContext(5)), 'utf8') } });
  // Each side measured twice, the first pass as warm-up (the JIT settles on each shape).
  const encodeDecode = () => ({
    structEncode: measureSync(() => wire.requestSerialize({ request: { ...envelope, context: jsonToStruct(proxyContext(++aid)) } }), ms),
    structDecode: measureSync(() => parseDecideRequest(wire.requestDeserialize(structBytes).request!, { requireRequestId: true }), ms),
    jsonEncode: measureSync(() => wire.requestSerialize({ request: { ...envelope, context_json: Buffer.from(JSON.stringify(proxyContext(++aid)), 'utf8') } }), ms),
    jsonDecode: measureSync(() => parseDecideRequest(wire.requestDeserialize(jsonBytes).request!, { requireRequestId: true }), ms),
  });
  encodeDecode();
  const wireCost = encodeDecode();
  const structCall = parseDecideRequest(wire.requestDeserialize(wire.requestSerialize({ request: { ...envelope, context: jsonToStruct(proxyContext(5)) } })).request!);
  const jsonCall = parseDecideRequest(wire.requestDeserialize(wire.requestSerialize({ request: { ...envelope, context_json: Buffer.from(JSON.stringify(proxyContext(5)), 'utf8') } })).request!);
  const structFingerprint = measureSync(() => requestFingerprint(structCall), ms);
  const jsonFingerprint = measureSync(() => requestFingerprint(jsonCall), ms);
  // The proxy's own reading of a statement (relations for the catalog, settings), fresh and again.
  const previewFresh = measureSync(() => previewStatement(text(++aid)), ms);
  const previewAgain = measureSync(() => previewStatement(text(7)), ms);
  const sink = await createAuditSink(`file:${join(work, 'alone.jsonl')}`, { source: 'gatehouse://bench/stages' });
  const draftValue = decisionEventDraft({ decisionId: 'd', requestId: 'r', effect: 'allow', reasons: [], obligations: {}, policyRevision: 'r', engineMicros: 10, input: fixed });
  const append = await measure(() => sink.append(draftValue), { concurrency: 4, durationMs: ms });
  await sink.close();
  out('| stage (one thread, alone) | p50 µs |');
  out('| --- | ---: |');
  for (const [name, s] of [
    ['facts: parse a fresh statement (libpg_query) + facts', facts],
    ['token check (decode, EdDSA verify, claims, revocation, uses read)', check],
    ['token use (consume, memory store)', use],
    ['policy (Rego wasm, one select)', policy],
    ['audit event draft (redaction of the input)', draft],
    ['idempotency fingerprint (canonical JSON + sha256)', fingerprint],
    ['audit append (chain + file write, 4 concurrent)', append],
    ['proxy request, context as nested Struct: encode (proxy)', wireCost.structEncode],
    ['proxy request, context as nested Struct: decode + validate (service)', wireCost.structDecode],
    ['proxy request, context as context_json: encode (proxy)', wireCost.jsonEncode],
    ['proxy request, context as context_json: decode + validate (service)', wireCost.jsonDecode],
    ['fingerprint of the proxy request, Struct form (canonical JSON of the context)', structFingerprint],
    ['fingerprint of the proxy request, context_json form (bytes as sent)', jsonFingerprint],
    ['proxy: statement preview, a fresh text (parse + facts)', previewFresh],
    ['proxy: statement preview, the same text again (kept by exact text)', previewAgain],
  ] as const) out(`| ${name} | ${fmt(s.p50Micros, 1)} |`);

  // End to end: one DecideStream, 4 concurrent callers, a scoped token, fresh SELECTs.
  for (const variant of ['token + file audit', 'no token + file audit', 'token + null audit'] as const) {
    const auditSink: AuditSink = variant.includes('null')
      ? { append: async (d) => ({ ...d, id: 'x', source: 'x', specversion: '1.0', time: '', datacontenttype: 'application/json' }) as never, close: async () => undefined }
      : await createAuditSink(`file:${join(work, `${variant.replace(/\W+/g, '-')}.jsonl`)}`, { source: 'gatehouse://bench/stages' });
    const server = await startDecisionServer({
      bundleSource: { path: join(work, 'b.tar.gz'), watch: false, load: async () => loadBundle(join(work, 'b.tar.gz'), { runOwnTests: false }) },
      auditSink, listen: '127.0.0.1:0', tokenGate: gate, logger: pino({ level: 'silent' }), metricsListen: undefined,
    });
    const client = new GrpcDecisionClient({ address: server.address });
    const withToken = variant.startsWith('token');
    const e2e = await measure(async () => {
      const answer = await client.decide({ action: 'db.query', resource, context: { sql: { text: text(++aid) } }, sessionId: 's', ...(withToken ? { token: issued.token } : { subject: { id: 'planner', groups: ['dba'] } }) });
      if (answer.effect !== 'allow') throw new Error(`denied: ${answer.reasons.join('; ')}`);
    }, { concurrency: 4, durationMs: seconds * 1000 });
    client.close();
    await server.close();
    out(`DecideStream, 4 callers, ${variant}: ${fmt(e2e.perSecond, 0)} decisions/s, p50 ${fmt(e2e.p50Micros, 0)} µs, p99 ${fmt(e2e.p99Micros, 0)} µs`);
  }
  await bundle.close();
  tokens.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exit(0);
