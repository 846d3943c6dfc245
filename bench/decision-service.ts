/**
 * Issue 2's benchmark: the example policy in-process (Rego alone, Cedar alone, both), then
 * through gRPC with 1, 8 and 64 concurrent callers (unary Decide and DecideStream side by side,
 * with 0, 1 and 2 evaluation workers), and the same Rego in the real `opa run --server` over REST
 * with the same callers. The load comes from a separate process (bench/decision-load-client.ts)
 * for the service and for opa alike, and the cases run in interleaved slices so that the load of
 * the shared machine falls on all of them. Besides throughput, it reports the server's CPU time
 * per decision (from /proc), which other processes' load does not inflate as much.
 *
 *   GATEHOUSE_BENCH_MS (default 3000): measured time per case and caller count, in 3 slices
 *   GATEHOUSE_BENCH_WORKERS (default 0,1,2): evaluation worker settings to compare
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { statefulIsAuthorized, preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import { pino } from 'pino';
import type { AuditEvent, AuditEventDraft } from '../audit/audit-event.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import { readBundleArchive } from '../engine/bundle/bundle-archive.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { loadBundle } from '../engine/testing/load-self-tested-bundle.ts';
import { prepareCedarEvaluator } from '../engine/evaluation/cedar/index.ts';
import { CedarEntityStore } from '../engine/evaluation/cedar/cedar-entities.ts';
import { decisionFromCedarAnswer } from '../engine/evaluation/cedar/cedar-outcome.ts';
import { parseCedarSources } from '../engine/evaluation/cedar/cedar-policy-set.ts';
import { buildCedarRequest } from '../engine/evaluation/cedar/cedar-request.ts';
import { staticPolicyRecord } from '../engine/evaluation/cedar/validate-cedar-policies.ts';
import { evaluateRequest } from '../engine/bundle/evaluate-request.ts';
import { computeFacts, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import { isJsonObject } from '../engine/model/index.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import { prepareRegoEvaluator } from '../engine/evaluation/rego/wasm-rego-evaluator.ts';
import { bundleFileSource } from '../engine/decision/bundle-source.ts';
import { startDecisionServer, type RunningDecisionServer } from '../engine/server/decision-server.ts';
import { findOpa } from '../engine/evaluation/toolchain/opa-cli.ts';
import { BENCH_REQUESTS } from './bench-requests.ts';
import { LoadClientProcess } from './load-client-process.ts';
import { fmt, measureSync, printTable, summarize, type TableRow } from './bench-table.ts';
import type { LoadJob, LoadResult } from './decision-load-client.ts';
import { threadCpu, type ThreadCpu } from './thread-cpu.ts';
import { freePort } from '../test/support/free-port.ts';

const DURATION_MS = Number(process.env.GATEHOUSE_BENCH_MS ?? 3000);
const CALLERS = [1, 8, 64];
const WORKERS = (process.env.GATEHOUSE_BENCH_WORKERS ?? '0,1,2').split(',').map(Number);
const SLICES = 3;
const SLICE_WARMUP_MS = 300;
const TICK_MS = 10;

/** Accepts every event at once (no audit I/O) and counts decisions, for CPU per decision. */
class CountingAuditSink implements AuditSink {
  count = 0;
  async append(draft: AuditEventDraft): Promise<AuditEvent> {
    this.count++;
    return { specversion: '1.0', id: '', source: 'bench', type: draft.type, time: '', subject: draft.subject, datacontenttype: 'application/json', prevhash: '', recordedtime: '', data: draft.data };
  }
  async close(): Promise<void> {}
}

interface ServiceCase {
  name: string;
  mode: LoadJob['mode'];
  uniqueSubjects?: boolean;
  address: string;
  /** Decisions answered so far (the service's sink), or undefined for opa. */
  decisions: () => number;
  /** CPU ms so far: the service thread (or the opa process) and the other threads. */
  cpu: () => ThreadCpu | undefined;
}

interface CaseTotals {
  latencies: number[];
  elapsedMs: number;
  decisions: number;
  mainMs: number;
  otherMs: number;
}

/** The opa server's case: the baseline every table names. */
function opaCase(cases: ServiceCase[]): ServiceCase | undefined {
  return cases.find((c) => c.mode === 'opa');
}

/** CPU ms of another process (all its threads), from /proc. */
function processCpu(pid: number): ThreadCpu | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { mainMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS, otherMs: 0 };
  } catch {
    return undefined;
  }
}

export async function run(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const out: string[] = [];
  let opa: ChildProcess | undefined;
  const servers: RunningDecisionServer[] = [];
  let load: LoadClientProcess<LoadJob, LoadResult> | undefined;
  try {
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle('policy', bundlePath);
    await initFactExtractors();
    const bundle = await loadBundle(bundlePath);
    const files = readBundleArchive(new Uint8Array(readFileSync(bundlePath)));
    const decoder = new TextDecoder();
    const data = JSON.parse(decoder.decode(files.get('data.json')));
    if (!isJsonObject(data)) throw new Error('bundle data.json is not an object');
    const rego = await prepareRegoEvaluator({ wasm: files.get('policy.wasm')!, data, entrypoint: bundle.manifest.metadata.gatehouse.entrypoint });
    const cedarSources = [...files.keys()].filter((n) => n.startsWith('cedar/') && n.endsWith('.cedar')).map((n) => ({ file: n.slice(6), text: decoder.decode(files.get(n)) }));
    const entities = files.has('cedar/entities.json') ? JSON.parse(decoder.decode(files.get('cedar/entities.json'))) : [];
    const cedar = prepareCedarEvaluator({ revision: 'bench', policies: cedarSources, entities });
    const cedarUncached = prepareCedarEvaluator({ revision: 'bench-uncached', policies: cedarSources, entities, answerCacheSize: 0 });
    // The call as made before request scoping: every static entity and the whole context.
    const { policies } = parseCedarSources(cedarSources);
    preparsePolicySet('bench-unscoped', { staticPolicies: staticPolicyRecord(policies) });
    const byId = new Map(policies.map((p) => [p.id, p]));
    const allEntities = new CedarEntityStore(entities);
    const unscopedCedar = (input: DecisionInput) => decisionFromCedarAnswer(statefulIsAuthorized(buildCedarRequest(input, allEntities, 'bench-unscoped')), byId);

    // Inputs with facts computed once: the engine rows time evaluation only.
    const now = new Date().toISOString();
    const inputs: DecisionInput[] = BENCH_REQUESTS.map((r) => ({ ...r, time: now, context: computeFacts(r.context).context }));
    let i = 0;
    const next = (): DecisionInput => inputs[i++ % inputs.length];
    const raw = (): DecisionInput => ({ ...BENCH_REQUESTS[i++ % BENCH_REQUESTS.length], time: now });
    const load0 = loadavg()[0];
    const inProcess: TableRow[] = [
      { name: 'Rego (WASM) alone', summary: measureSync(() => rego.evaluate(next()), DURATION_MS) },
      { name: 'Cedar alone (answer cache: the 4-request mix always hits)', summary: measureSync(() => cedar.evaluate(next()), DURATION_MS) },
      { name: 'Cedar alone, answer cache off', summary: measureSync(() => cedarUncached.evaluate(next()), DURATION_MS) },
      { name: 'Cedar alone, unscoped call (every entity, whole context: before)', summary: measureSync(() => unscopedCedar(next()), DURATION_MS) },
      { name: 'both, combined', summary: measureSync(() => bundle.evaluate(next()), DURATION_MS) },
      { name: 'both + facts (cached parse)', summary: measureSync(() => evaluateRequest(bundle, raw()), DURATION_MS) },
    ];
    out.push(printTable(`In-process engine, example policy (one core; load average ${load0.toFixed(1)})`, 'both + facts (cached parse)', inProcess));
    rego.close();
    cedar.close();
    cedarUncached.close();
    preparsePolicySet('bench-unscoped', { staticPolicies: {} });
    const inProcessRate = inProcess[inProcess.length - 1].summary.perSecond;

    // One service per worker setting (idle ones cost nothing), and the opa server.
    const cases: ServiceCase[] = [];
    for (const workers of WORKERS) {
      const sink = new CountingAuditSink();
      const server = await startDecisionServer({
        bundleSource: { ...bundleFileSource(bundlePath), watch: false },
        auditSink: sink,
        listen: '127.0.0.1:0',
        logger: pino({ level: 'silent' }),
        evaluationWorkers: workers,
      });
      servers.push(server);
      const service = { address: server.address, decisions: () => sink.count, cpu: threadCpu };
      if (workers === WORKERS[0] || workers === WORKERS[WORKERS.length - 1]) cases.push({ name: `gRPC unary, ${workers} workers`, mode: 'unary', ...service });
      cases.push({ name: `gRPC DecideStream, ${workers} workers`, mode: 'stream', ...service });
      if (workers === WORKERS[0] || workers === WORKERS[WORKERS.length - 1]) {
        cases.push({ name: `gRPC DecideStream, ${workers} workers, every subject new`, mode: 'stream', uniqueSubjects: true, ...service });
      }
    }
    const port = await freePort();
    const regoFiles = readdirSync('policy', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
      .map((f) => join('policy', f));
    opa = spawn(findOpa(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', ...regoFiles, 'policy/data.json'], { stdio: 'ignore' });
    const opaPid = opa.pid!;
    cases.push({ name: 'opa server REST (Rego only)', mode: 'opa', address: `127.0.0.1:${port}`, decisions: () => 0, cpu: () => processCpu(opaPid) });

    load = new LoadClientProcess<LoadJob, LoadResult>('bench/decision-load-client.ts');
    for (let attempt = 0; ; attempt++) {
      const probe = await load.run({ mode: 'opa', address: `127.0.0.1:${port}`, callers: 1, durationMs: 50, warmupMs: 0 });
      if (!probe.error) break;
      if (attempt > 50) throw new Error(`opa server did not start: ${probe.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const rows: string[] = [];
    const peak = new Map<ServiceCase, number>();
    for (const callers of CALLERS) {
      const totals = new Map<ServiceCase, CaseTotals>(cases.map((c) => [c, { latencies: [], elapsedMs: 0, decisions: 0, mainMs: 0, otherMs: 0 }]));
      for (let slice = 0; slice < SLICES; slice++) {
        for (const c of cases) {
          const cpu0 = c.cpu();
          const decided0 = c.decisions();
          const result = await load.run({ mode: c.mode, uniqueSubjects: c.uniqueSubjects, address: c.address, callers, durationMs: DURATION_MS / SLICES, warmupMs: SLICE_WARMUP_MS });
          if (result.error) throw new Error(`${c.name}, ${callers} callers: ${result.error}`);
          const cpu1 = c.cpu();
          const t = totals.get(c)!;
          for (const latency of result.latencies) t.latencies.push(latency);
          t.elapsedMs += result.elapsedMs;
          // opa decisions are counted by the client (warmup included, as for the service's sink).
          const warmupShare = 1 + SLICE_WARMUP_MS / (DURATION_MS / SLICES);
          t.decisions += c.mode === 'opa' ? Math.round(result.latencies.length * warmupShare) : c.decisions() - decided0;
          if (cpu0 && cpu1) {
            t.mainMs += cpu1.mainMs - cpu0.mainMs;
            t.otherMs += cpu1.otherMs - cpu0.otherMs;
          }
        }
      }
      const opaCase = cases[cases.length - 1];
      const opaRate = summarize(totals.get(opaCase)!.latencies, totals.get(opaCase)!.elapsedMs).perSecond;
      for (const c of cases) {
        const t = totals.get(c)!;
        const summary = summarize(t.latencies, t.elapsedMs);
        peak.set(c, Math.max(peak.get(c) ?? 0, summary.perSecond));
        const perDecision = (ms: number) => (t.decisions > 0 ? fmt((ms * 1000) / t.decisions, 0) : 'n/a');
        const cpu = c.mode === 'opa' ? `${perDecision(t.mainMs)} (whole process)` : `${perDecision(t.mainMs)} / ${perDecision(t.otherMs)}`;
        rows.push(
          `| ${c.name}, ${callers} callers | ${fmt(summary.perSecond, 0)} | ${fmt(summary.p50Micros, 0)} | ${fmt(summary.p99Micros, 0)} | ${fmt(summary.perSecond / inProcessRate, 2)}x | ${fmt(summary.perSecond / opaRate, 2)}x | ${cpu} |`,
        );
      }
    }
    const load1 = loadavg()[0];
    const table = [
      `### Decision service over gRPC vs in-process and the opa server (${SLICES} interleaved slices per case; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${availableParallelism()} CPUs)`,
      '',
      '| case | ops/s | p50 µs | p99 µs | vs in-process (both + facts) | vs opa, same callers | server CPU µs/decision: service thread / other threads |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n');
    process.stdout.write(`${table}\n`);
    out.push(table);

    // Latency under a load the service can carry: half of the peak just measured, open loop.
    const halfRows: string[] = [];
    for (const c of [cases.find((x) => x.mode === 'stream' && !x.uniqueSubjects), cases.find((x) => x.mode === 'unary'), opaCase(cases)]) {
      if (!c) continue;
      const rate = Math.max(1, Math.round((peak.get(c) ?? 0) / 2));
      const result = await load.run({ mode: c.mode, address: c.address, callers: 64, durationMs: DURATION_MS, warmupMs: SLICE_WARMUP_MS, ratePerSecond: rate });
      if (result.error) throw new Error(`${c.name} at ${rate}/s: ${result.error}`);
      const summary = summarize(result.latencies, result.elapsedMs);
      halfRows.push(`| ${c.name} | ${fmt(peak.get(c) ?? 0, 0)} | ${fmt(rate, 0)} | ${fmt(summary.perSecond, 0)} | ${fmt(summary.p50Micros, 0)} | ${fmt(summary.p99Micros, 0)} |`);
    }
    const halfTable = [
      `### At half of peak: 64 callers, open loop (latency from when each request was due; load average ${loadavg()[0].toFixed(1)})`,
      '',
      '| case | peak ops/s (above) | offered ops/s | answered ops/s | p50 µs | p99 µs |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...halfRows,
      '',
    ].join('\n');
    process.stdout.write(`${halfTable}\n`);
    out.push(halfTable);
    bundle.close();
  } finally {
    load?.close();
    for (const server of servers) await server.close();
    opa?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
