/**
 * Issue 2's benchmark: the example policy in-process (Rego alone, Cedar alone, both), then
 * through gRPC with 1, 8 and 64 concurrent callers (unary Decide and one DecideStream side by
 * side), and the same Rego in the real `opa run --server` over REST with the same callers.
 * Baselines: the in-process engine for the service rows, the opa server for throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { AuditEvent, AuditEventDraft } from '../audit/audit-event.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import { readBundleArchive } from '../engine/bundle/bundle-archive.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { loadBundle } from '../engine/bundle/load-bundle.ts';
import { prepareCedarEvaluator } from '../engine/cedar/index.ts';
import { computeFacts, initFactExtractors } from '../engine/facts/compute-facts.ts';
import { isJsonObject } from '../engine/model/json.ts';
import type { DecisionInput } from '../engine/model/request.ts';
import { evaluateRequest } from '../engine/evaluate-request.ts';
import { prepareRegoEvaluator } from '../engine/rego/wasm-rego-evaluator.ts';
import { bundleFileSource } from '../engine/service/bundle-source.ts';
import { startDecisionServer } from '../engine/service/decision-server.ts';
import { findOpa } from '../engine/toolchain/opa-cli.ts';
import { GrpcDecisionClient } from '../dataplane/sdk/grpc-decision-client.ts';
import { jsonToStruct } from '../dataplane/sdk/struct-codec.ts';
import { loadGatehouseProtos } from '../proto/gatehouse-protos.ts';
import { pino } from 'pino';
import { BENCH_REQUESTS } from './bench-requests.ts';
import { measure, measureSync, printTable, type TableRow } from './bench-table.ts';

const DURATION_MS = Number(process.env.GATEHOUSE_BENCH_MS ?? 3000);
const CALLERS = [1, 8, 64];

/** Accepts every event at once: the "no sink" row isolates the service from audit I/O. */
class DiscardingAuditSink implements AuditSink {
  async append(draft: AuditEventDraft): Promise<AuditEvent> {
    return { specversion: '1.0', id: '', source: 'bench', type: draft.type, time: '', subject: draft.subject, datacontenttype: 'application/json', prevHash: '', data: draft.data };
  }
  async close(): Promise<void> {}
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function run(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const out: string[] = [];
  let opa: ChildProcess | undefined;
  try {
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle('policy', bundlePath);
    await initFactExtractors();
    const bundle = await loadBundle(bundlePath);
    const files = readBundleArchive(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(bundlePath))));
    const data = JSON.parse(new TextDecoder().decode(files.get('data.json')));
    if (!isJsonObject(data)) throw new Error('bundle data.json is not an object');
    const rego = await prepareRegoEvaluator({ wasm: files.get('policy.wasm')!, data, entrypoint: bundle.manifest.metadata.gatehouse.entrypoint });
    const cedarFiles = [...files.keys()].filter((n) => n.startsWith('cedar/') && n.endsWith('.cedar'));
    const cedar = prepareCedarEvaluator({
      revision: 'bench',
      policies: cedarFiles.map((n) => ({ file: n.slice(6), text: new TextDecoder().decode(files.get(n)) })),
      entities: files.has('cedar/entities.json') ? JSON.parse(new TextDecoder().decode(files.get('cedar/entities.json'))) : [],
    });

    // Inputs with facts computed once: the engine rows time evaluation only.
    const now = new Date().toISOString();
    const inputs: DecisionInput[] = BENCH_REQUESTS.map((r) => ({ ...r, time: now, context: computeFacts(r.context).context }));
    let i = 0;
    const next = (): DecisionInput => inputs[i++ % inputs.length];
    const raw = (): DecisionInput => ({ ...BENCH_REQUESTS[i++ % BENCH_REQUESTS.length], time: now });
    const inProcess: TableRow[] = [
      { name: 'Rego (WASM) alone', summary: measureSync(() => rego.evaluate(next()), DURATION_MS) },
      { name: 'Cedar alone', summary: measureSync(() => cedar.evaluate(next()), DURATION_MS) },
      { name: 'both, combined', summary: measureSync(() => bundle.evaluate(next()), DURATION_MS) },
      { name: 'both + facts (cached parse)', summary: measureSync(() => evaluateRequest(bundle, raw()), DURATION_MS) },
    ];
    out.push(printTable('In-process engine, example policy (one core)', 'both + facts (cached parse)', inProcess));
    rego.close();
    cedar.close();

    // gRPC: unary Decide vs one DecideStream, no audit I/O.
    const server = await startDecisionServer({
      bundleSource: { ...bundleFileSource(bundlePath), watch: false },
      auditSink: new DiscardingAuditSink(),
      listen: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
    });
    const protos = loadGatehouseProtos();
    const unary = new protos.decision.gatehouse.v1.DecisionService(server.address, grpc.credentials.createInsecure());
    const stream = new GrpcDecisionClient({ address: server.address, deadlineMs: 10_000 });
    let n = 0;
    const unaryCall = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const r = BENCH_REQUESTS[n++ % BENCH_REQUESTS.length];
        unary.Decide(
          {
            subject: { id: r.subject.id, groups: r.subject.groups ?? [] },
            action: r.action,
            resource: { type: r.resource.type, id: r.resource.id, attributes: jsonToStruct(r.resource.attributes ?? {}) },
            context: jsonToStruct(r.context),
          },
          { deadline: Date.now() + 10_000 },
          (error) => (error ? reject(error) : resolve()),
        );
      });
    const streamCall = async (): Promise<void> => {
      const r = BENCH_REQUESTS[n++ % BENCH_REQUESTS.length];
      await stream.decide({ subject: r.subject, action: r.action, resource: r.resource, context: r.context, sessionId: 'bench' });
    };
    const service: TableRow[] = [{ name: 'in-process (both + facts)', summary: inProcess[3].summary }];
    for (const callers of CALLERS) {
      service.push({ name: `gRPC unary, ${callers} callers`, summary: await measure(unaryCall, { concurrency: callers, durationMs: DURATION_MS }) });
      service.push({ name: `gRPC DecideStream, ${callers} callers`, summary: await measure(streamCall, { concurrency: callers, durationMs: DURATION_MS }) });
    }

    // The same Rego in the real opa server, over REST with a keep-alive agent.
    const port = await freePort();
    const regoFiles = readdirSync('policy', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
      .map((f) => join('policy', f));
    opa = spawn(findOpa(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', ...regoFiles, 'policy/data.json'], { stdio: 'ignore' });
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const opaCall = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const input = inputs[n++ % inputs.length];
        const body = JSON.stringify({ input });
        const req = request(
          { host: '127.0.0.1', port, path: '/v1/data/gatehouse/decision', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`opa answered ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    for (let attempt = 0; ; attempt++) {
      try {
        await opaCall();
        break;
      } catch (error) {
        if (attempt > 50) throw new Error(`opa server did not start: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const callers of CALLERS) {
      service.push({ name: `opa server REST (Rego only), ${callers} callers`, summary: await measure(opaCall, { concurrency: callers, durationMs: DURATION_MS }) });
    }
    out.push(printTable('Decision service over gRPC vs in-process and the opa server', 'in-process (both + facts)', service));
    agent.destroy();
    unary.close();
    stream.close();
    await server.close();
    bundle.close();
  } finally {
    opa?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
