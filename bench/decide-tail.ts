/**
 * Where Decide's p99 at half of peak comes from (issue 15's "p99 < 2 ms at half of peak"): the
 * small Rego-only policy served in this process, loaded from a separate process over one
 * DecideStream (64 callers), first closed loop for the peak, then open loop at half and at a
 * quarter of it (how the tail falls with the load shows whether it is queueing). Besides
 * the latency the caller sees, it reads what the service saw in the same run: its own time from a
 * validated request to the answer (the `gatehouse_decision_duration_seconds` histogram), how busy
 * its event loop was, its GC pauses, and the CPU of the service and of the load client. Once with
 * an audit sink that discards and once with the file sink, since the audit write is on the path of
 * every answer.
 *
 *   npm run bench -- decide-tail      (GATEHOUSE_BENCH_MS=6000 per open-loop run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AuditSink } from '../audit/audit-sink.ts';
import { openFileAuditSink } from '../audit/file-audit-sink.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { bundleFileSource } from '../engine/decision/bundle-source.ts';
import { startDecisionServer } from '../engine/server/decision-server.ts';
import { ServiceMetrics } from '../engine/server/service-metrics.ts';
import { DiscardingAuditSink } from './audit-discarding-sink.ts';
import { fmt, summarize } from './bench-table.ts';
import type { LoadJob, LoadResult } from './decision-load-client.ts';
import { LoadClientProcess } from './load-client-process.ts';
import { processCpuMicros } from './process-cpu.ts';

const DURATION_MS = Number(process.env.GATEHOUSE_BENCH_MS ?? 6000);
const CALLERS = 64;
const WARMUP_MS = 500;
const POLICY = join(import.meta.dirname, 'small-rego-policy');
/** The service's own decision time is read at these histogram bounds (seconds). */
const SHOWN_BOUNDS = ['0.00025', '0.001', '0.0025', '0.005', '0.01'];
/** Open-loop rates, as fractions of the closed-loop peak. */
const FRACTIONS = [0.5, 0.25];

type Buckets = Map<string, number>;

async function decisionBuckets(metrics: ServiceMetrics): Promise<Buckets> {
  const metric = await metrics.registry.getSingleMetric('gatehouse_decision_duration_seconds')?.get();
  if (!metric) throw new Error('the service registers no gatehouse_decision_duration_seconds histogram');
  return new Map(metric.values.filter((v) => v.labels.le !== undefined).map((v) => [String(v.labels.le), v.value]));
}

/** The smallest histogram bound at or below which `q` of the run's decisions fall. */
function quantileBound(before: Buckets, after: Buckets, q: number): string {
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  for (const [bound, count] of after) {
    if (count - (before.get(bound) ?? 0) >= q * total) return bound === '+Inf' ? '> 1 s' : `≤ ${fmt(Number(bound) * 1000, 2)} ms`;
  }
  return 'n/a';
}

function shareAtOrBelow(before: Buckets, after: Buckets, bound: string): string {
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  return total > 0 ? `${fmt((100 * ((after.get(bound) ?? 0) - (before.get(bound) ?? 0))) / total, 1)}%` : 'n/a';
}

interface TailRow {
  sink: string;
  peak: number;
  fraction: number;
  offered: number;
  answered: number;
  clientP50: number;
  clientP99: number;
  serviceP50: string;
  serviceP99: string;
  shares: string[];
  loopBusy: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  serviceCpu: number;
  clientCpu: number;
  clientLoopBusy: number;
  clientGcMaxMs: number;
}

async function measureSink(name: string, sink: AuditSink, bundlePath: string): Promise<TailRow[]> {
  const metrics = new ServiceMetrics({ defaultMetrics: false });
  const server = await startDecisionServer({
    bundleSource: { ...bundleFileSource(bundlePath), watch: false },
    auditSink: sink,
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    metrics,
  });
  const load = new LoadClientProcess<LoadJob, LoadResult>(join(import.meta.dirname, 'decision-load-client.ts'));
  try {
    const closed = await load.run({ mode: 'stream', address: server.address, callers: CALLERS, durationMs: 3000, warmupMs: WARMUP_MS });
    if (closed.error) throw new Error(`${name}, closed loop: ${closed.error}`);
    const peak = summarize(closed.latencies, closed.elapsedMs).perSecond;
    const rows: TailRow[] = [];
    for (const fraction of FRACTIONS) rows.push(await openLoop(name, peak, fraction, load, server.address, metrics));
    return rows;
  } finally {
    load.close();
    await server.close();
  }
}

async function openLoop(
  name: string,
  peak: number,
  fraction: number,
  load: LoadClientProcess<LoadJob, LoadResult>,
  address: string,
  metrics: ServiceMetrics,
): Promise<TailRow> {
  const offered = Math.max(1, Math.round(peak * fraction));
  const gcPauses: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const before = await decisionBuckets(metrics);
  const loop0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const clientCpu0 = processCpuMicros(load.pid) ?? 0;
  const started = Date.now();
  const open = await load.run({ mode: 'stream', address, callers: CALLERS, durationMs: DURATION_MS, warmupMs: 300, ratePerSecond: offered });
  const wallMicros = (Date.now() - started) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const clientCpu = (processCpuMicros(load.pid) ?? 0) - clientCpu0;
  const loop = performance.eventLoopUtilization(loop0);
  const after = await decisionBuckets(metrics);
  gcObserver.disconnect();
  if (open.error) throw new Error(`${name}, open loop at ${offered}/s: ${open.error}`);
  const summary = summarize(open.latencies, open.elapsedMs);
  return {
    sink: name,
    peak,
    fraction,
    offered,
    answered: summary.perSecond,
    clientP50: summary.p50Micros,
    clientP99: summary.p99Micros,
    serviceP50: quantileBound(before, after, 0.5),
    serviceP99: quantileBound(before, after, 0.99),
    shares: SHOWN_BOUNDS.map((bound) => shareAtOrBelow(before, after, bound)),
    loopBusy: loop.utilization,
    gcCount: gcPauses.length,
    gcTotalMs: gcPauses.reduce((sum, d) => sum + d, 0),
    gcMaxMs: gcPauses.reduce((max, d) => Math.max(max, d), 0),
    serviceCpu: (cpu.user + cpu.system) / wallMicros,
    clientCpu: clientCpu / wallMicros,
    clientLoopBusy: open.client?.loopBusy ?? Number.NaN,
    clientGcMaxMs: open.client?.gcMaxMs ?? Number.NaN,
  };
}

export async function run(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-tail-'));
  try {
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle(POLICY, bundlePath);
    const load0 = loadavg()[0];
    const rows: TailRow[] = [];
    rows.push(...(await measureSink('discarding', new DiscardingAuditSink(), bundlePath)));
    const fileSink = await openFileAuditSink(join(work, 'audit.jsonl'), { source: 'gatehouse://bench/decide-tail', registry: new Registry() });
    try {
      rows.push(...(await measureSink('file', fileSink, bundlePath)));
    } finally {
      await fileSink.close();
    }
    const load1 = loadavg()[0];
    const table = [
      `### Decide p99 at half and a quarter of peak, and where it comes from: small Rego-only policy, DecideStream, ${CALLERS} callers, open loop (load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${availableParallelism()} CPUs)`,
      '',
      '| audit sink | peak ops/s (closed loop) | share of peak | offered ops/s | answered ops/s | caller p50 µs | caller p99 µs | service p50 | service p99 | service event loop busy | service CPU (cores) | load client CPU (cores) | load client event loop busy |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.sink} | ${fmt(r.peak, 0)} | ${fmt(r.fraction, 2)} | ${fmt(r.offered, 0)} | ${fmt(r.answered, 0)} | ${fmt(r.clientP50, 0)} | ${fmt(r.clientP99, 0)} | ${r.serviceP50} | ${r.serviceP99} | ${fmt(100 * r.loopBusy, 0)}% | ${fmt(r.serviceCpu, 2)} | ${fmt(r.clientCpu, 2)} | ${fmt(100 * r.clientLoopBusy, 0)}% |`,
      ),
      '',
      `| audit sink | share of peak | ${SHOWN_BOUNDS.map((b) => `service time ≤ ${fmt(Number(b) * 1000, 2)} ms`).join(' | ')} | service GC pauses | service GC total ms | service longest GC ms | load client longest GC ms |`,
      `| --- | ---: | ${SHOWN_BOUNDS.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`,
      ...rows.map((r) => `| ${r.sink} | ${fmt(r.fraction, 2)} | ${r.shares.join(' | ')} | ${r.gcCount} | ${fmt(r.gcTotalMs, 0)} | ${fmt(r.gcMaxMs, 1)} | ${fmt(r.clientGcMaxMs, 1)} |`),
      '',
      'Service time is the service\'s own, from a validated request to its answer (facts, policy, audit append), read from its histogram, so quantiles are bucket bounds. The caller\'s latency counts from when each request was due, so it also holds the time a request waited behind others in the caller, on the connection and in the service\'s event loop before it was validated.',
      '',
    ].join('\n');
    process.stdout.write(`${table}\n`);
    return table;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
