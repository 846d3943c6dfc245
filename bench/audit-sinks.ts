/**
 * Issue 4's benchmark (docs/performance.md "Audit"), in one run against the real broker:
 *   0. the append path both sinks share (decision draft with redaction, CloudEvent JSON, sha256
 *      chain), in process, as thread CPU per event: robust to the load of a shared machine;
 *   1. events/s sustained into Kafka: N decision events appended through the `kafka://` sink
 *      (journal + shipper) until the shipper has had every one acknowledged (acks=all);
 *   2. `Decide` latency over gRPC (DecideStream, 8 callers) with no sink, the file sink and the
 *      Kafka sink, measured in interleaved slices so the load of a shared machine hits all alike;
 *   3. replay decisions/s over the decisions the file sink recorded in 2, same bundle;
 *   4. @platformatic/kafka (the shipper's producer) against kafkajs (its producer until 0.3) on the
 *      same batches (bench/audit-producers.ts).
 * The broker is the shared one from `scripts/services up kafka` (or GATEHOUSE_KAFKA); it is left
 * running. Sizes: GATEHOUSE_BENCH_AUDIT_EVENTS (default 50000), GATEHOUSE_BENCH_MS (default 3000).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AuditEventDraft } from '../audit/audit-event.ts';
import type { AuditLogger } from '../audit/audit-logger.ts';
import { auditMetrics } from '../audit/audit-metrics.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import { readAuditSource } from '../audit/audit-source-reader.ts';
import { createAuditSink } from '../audit/create-audit-sink.ts';
import { decisionEventDraft } from '../audit/decision-event.ts';
import { chainEvent, GENESIS_STATE } from '../audit/hash-chain.ts';
import type { KafkaAuditSink } from '../audit/kafka-audit-sink.ts';
import { replayDecisions } from '../audit/replay-decisions.ts';
import { GrpcDecisionClient } from '../dataplane/sdk/grpc-decision-client.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { loadBundle } from '../engine/testing/load-self-tested-bundle.ts';
import { computeFacts, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import { isJsonObject } from '../engine/model/index.ts';
import type { DecisionInput, JsonObject } from '../engine/model/index.ts';
import type { PreparedBundle } from '../engine/bundle/prepared-bundle.ts';
import { bundleFileSource } from '../engine/decision/bundle-source.ts';
import { startDecisionServer, type RunningDecisionServer } from '../engine/server/decision-server.ts';
import { compareProducers, type ProducerBatchMessage } from './audit-producers.ts';
import { BENCH_REQUESTS } from './bench-requests.ts';
import { DiscardingAuditSink } from './audit-discarding-sink.ts';
import { fmt, measureSync, printTable, summarize, type LatencySummary, type TableRow } from './bench-table.ts';

const EVENTS = Number(process.env.GATEHOUSE_BENCH_AUDIT_EVENTS ?? 50_000);
const DURATION_MS = Number(process.env.GATEHOUSE_BENCH_MS ?? 3000);
const CALLERS = 8;
const SESSIONS = 64;
/** Interleaved slices per Decide case (each DURATION_MS / 3 long). */
const ROUNDS = 8;
/** Concurrent appends in part 1: a busy service has many decisions waiting on the sink at once. */
const APPENDERS = 64;
/** The shipper's default batch (audit/kafka-shipper.ts batchBytes). */
const SHIPPER_BATCH_BYTES = 1024 * 1024;
const quiet: AuditLogger = { info() {}, warn() {}, error() {} };

export async function run(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-audit-'));
  const out: string[] = [];
  const runId = `${process.pid}-${Date.now()}`;
  try {
    const broker = await kafkaBroker();
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle('policy', bundlePath);
    await initFactExtractors();
    const bundle = await loadBundle(bundlePath);
    try {
      out.push(appendPathCost(bundle));
      const sustained = await sustainedIntoKafka(broker, bundle, join(work, 'journal-sustained'), runId);
      out.push(sustained.text);
      const decisionsFile = join(work, 'decisions.jsonl');
      out.push(await decideBySink(broker, bundlePath, decisionsFile, join(work, 'journal-decide'), runId));
      out.push(await replayRecorded(bundle, decisionsFile));
      const producers = await compareProducers({ broker, batches: shipperBatches(decisionsFile, EVENTS), compressions: ['gzip', 'none'], platformaticOnly: ['lz4'] });
      out.push(producers.text);
      out.push(verdict(producers.runs));
    } finally {
      bundle.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out.join('\n');
}

/** GATEHOUSE_KAFKA, else the shared broker (`scripts/services up kafka` is harmless when it is up). */
async function kafkaBroker(): Promise<string> {
  if (process.env.GATEHOUSE_KAFKA) return process.env.GATEHOUSE_KAFKA;
  await new Promise<void>((resolve, reject) =>
    execFile('scripts/services', ['up', 'kafka'], { timeout: 300_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`scripts/services up kafka failed: ${stderr.trim() || error.message}`)) : resolve(),
    ),
  );
  const line = readFileSync('var/services.env', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('GATEHOUSE_KAFKA='));
  if (!line) throw new Error('var/services.env has no GATEHOUSE_KAFKA after `scripts/services up kafka`');
  return line.slice('GATEHOUSE_KAFKA='.length).trim();
}

async function openKafkaSink(broker: string, source: string, journalDir: string, registry: Registry): Promise<KafkaAuditSink> {
  const sink: AuditSink = await createAuditSink(`kafka://${broker}`, { source, journalDir, logger: quiet, registry });
  if (!('shipper' in sink)) throw new Error('createAuditSink(kafka://…) did not return the journal + shipper sink');
  return sink as KafkaAuditSink;
}

/** One decision draft per bench request, with the facts, effect and reasons the service would record. */
function decisionTemplates(bundle: PreparedBundle): AuditEventDraft[] {
  const time = new Date().toISOString();
  return BENCH_REQUESTS.map((request) => {
    const input: DecisionInput = { ...request, time, context: computeFacts(request.context).context };
    return draftFor(bundle, input, bundle.evaluate(input), randomUUID());
  });
}

/** The decision event the service would record for `input` and its decision. */
function draftFor(bundle: PreparedBundle, input: DecisionInput, decision: ReturnType<PreparedBundle['evaluate']>, requestId: string): AuditEventDraft {
  return decisionEventDraft({
    decisionId: randomUUID(),
    requestId,
    sessionId: input.sessionId,
    effect: decision.effect,
    reasons: decision.reasons,
    obligations: decision.obligations,
    policyRevision: bundle.revision,
    engineMicros: 50,
    input,
  });
}

// ---- 0. the shared append path ------------------------------------------------------------

/**
 * What every sink does per event before any I/O: the decision draft (redaction and masking of the
 * recorded input), the CloudEvent stamped and serialised, the sha256 chain. Thread CPU time, so
 * other processes' load does not count; the stages are timed apart on the same events.
 */
function appendPathCost(bundle: PreparedBundle): string {
  const time = new Date().toISOString();
  const count = Math.max(2000, Math.floor(EVENTS / 5));
  // The bench requests, as they repeat, and with a statement or command text no event had before
  // (a trailing comment with the event's number): redaction remembers texts it found clean, so a
  // repeated text costs far less than a new one, and real traffic has both.
  const evaluate = (request: (typeof BENCH_REQUESTS)[number], i: number, text?: (original: string) => string) => {
    const context = text ? withText(request.context, text) : request.context;
    const input: DecisionInput = { ...request, context, time, sessionId: `bench-session-${i}`, requestId: randomUUID() };
    input.context = computeFacts(context).context;
    return { input, decision: bundle.evaluate(input) };
  };
  const repeated = BENCH_REQUESTS.map((request, i) => evaluate(request, i));
  const fresh = Array.from({ length: count }, (_, i) => evaluate(BENCH_REQUESTS[i % BENCH_REQUESTS.length]!, i, (original) => `${original} ${'sql' in BENCH_REQUESTS[i % BENCH_REQUESTS.length]!.context ? '--' : '#'} event ${i}`));
  let state = GENESIS_STATE;
  let lineBytes = 0;
  const drafts: AuditEventDraft[] = new Array(count);
  const cpuMicros = (from: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(from);
    return used.user + used.system;
  };
  const draftAll = (pick: (i: number) => (typeof repeated)[number]): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const { input, decision } = pick(i);
      drafts[i] = draftFor(bundle, input, decision, input.requestId!);
    }
    return cpuMicros(start) / count;
  };
  // Warm-up (compiled code); the texts below are still new to redaction after it.
  draftAll((i) => repeated[i % repeated.length]!);
  const freshDraftMicros = draftAll((i) => fresh[i]!);
  const draftMicros = draftAll((i) => repeated[i % repeated.length]!);
  const chainStart = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const recordedtime = new Date().toISOString();
    const built = chainEvent({ id: randomUUID(), time: drafts[i]!.time ?? recordedtime, recordedtime, draft: drafts[i]! }, 'gatehouse://bench/append-path', state);
    state = built.next;
    lineBytes += built.line.length + 1;
  }
  const chainMicros = cpuMicros(chainStart) / count;
  const text = [
    `### Shared append path: ${fmt(count, 0)} decision events, in process (CPU µs per event; the process's other threads are idle)`,
    '',
    '| stage | CPU µs per event |',
    '| --- | ---: |',
    `| decision draft (redaction and masking of the recorded input, reasons), the ${BENCH_REQUESTS.length} bench requests repeated | ${fmt(draftMicros, 1)} |`,
    `| decision draft, every statement or command text new | ${fmt(freshDraftMicros, 1)} |`,
    `| CloudEvent stamp, JSON line, sha256 chain | ${fmt(chainMicros, 1)} |`,
    `| **total**, texts repeated (${fmt(lineBytes / count, 0)} bytes per line) | **${fmt(draftMicros + chainMicros, 1)}** |`,
    `| **total**, every text new | **${fmt(freshDraftMicros + chainMicros, 1)}** |`,
    '',
  ].join('\n');
  process.stdout.write(text + '\n');
  return text;
}

/** The context with its statement or command text rewritten (the facts are computed afterwards). */
function withText(context: JsonObject, rewrite: (original: string) => string): JsonObject {
  for (const key of ['sql', 'command']) {
    const part = context[key];
    if (isJsonObject(part) && typeof part.text === 'string') return { ...context, [key]: { ...part, text: rewrite(part.text) } };
  }
  return context;
}

// ---- 1. events/s sustained into the broker -------------------------------------------------

async function sustainedIntoKafka(broker: string, bundle: PreparedBundle, journalDir: string, runId: string): Promise<{ text: string }> {
  const templates = decisionTemplates(bundle);
  const draft = (i: number): AuditEventDraft => {
    const template = templates[i % templates.length]!;
    return { ...template, subject: `bench-session-${i % SESSIONS}`, data: { ...template.data, decisionId: randomUUID(), requestId: randomUUID() } };
  };
  const registry = new Registry();
  const shipped = auditMetrics(registry).shipped;
  const shippedCount = async (): Promise<number> => (await shipped.get()).values.reduce((sum, v) => sum + v.value, 0);
  const sink = await openKafkaSink(broker, `gatehouse://bench/sustained-${runId}`, journalDir, registry);
  try {
    // connection, topic check and producer id outside the timing
    await Promise.all(Array.from({ length: 100 }, (_, i) => sink.append(draft(i))));
    if (!(await sink.shipper.drain(60_000))) throw new Error('the shipper did not ship the warm-up events within 60 s');
    const base = await shippedCount();

    // acknowledgement times, sampled: event k (in append order = journal order) is acknowledged
    // once the shipped counter reaches base + k
    const acks: Array<{ at: number; count: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        acks.push({ at: performance.now(), count: (await shippedCount()) - base });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const appendStart = new Float64Array(EVENTS);
    const appendMicros: number[] = new Array(EVENTS);
    let next = 0;
    const started = performance.now();
    const caller = async (): Promise<void> => {
      while (next < EVENTS) {
        const i = next++;
        const t0 = performance.now();
        appendStart[i] = t0;
        await sink.append(draft(i));
        appendMicros[i] = (performance.now() - t0) * 1000;
      }
    };
    await Promise.all(Array.from({ length: APPENDERS }, caller));
    const appendedMs = performance.now() - started;
    const drained = await sink.shipper.drain(120_000);
    sampling = false;
    await sampler;
    acks.push({ at: performance.now(), count: (await shippedCount()) - base });
    const acknowledged = acks.at(-1)!.count;
    if (!drained || acknowledged < EVENTS) throw new Error(`only ${acknowledged} of ${EVENTS} events were acknowledged within 120 s`);

    const deliveryMicros: number[] = new Array(EVENTS);
    let sample = 0;
    for (let i = 0; i < EVENTS; i++) {
      while (acks[sample]!.count < i + 1) sample++;
      deliveryMicros[i] = (acks[sample]!.at - appendStart[i]!) * 1000;
    }
    const firstAllAcked = acks.find((a) => a.count >= EVENTS)!.at;
    // what the shipper alone manages once appending stops (no longer sharing the event loop)
    const atAppendEnd = acks.filter((a) => a.at <= started + appendedMs).at(-1) ?? { at: started, count: 0 };
    const drainRate = ((EVENTS - atAppendEnd.count) * 1000) / Math.max(1, firstAllAcked - atAppendEnd.at);
    const totalMs = firstAllAcked - started;
    const rows: TableRow[] = [
      { name: `append into the journal, ${APPENDERS} callers`, summary: summarize(appendMicros, appendedMs) },
      { name: 'appended → acknowledged by Kafka (end to end)', summary: summarize(deliveryMicros, totalMs) },
    ];
    const endToEnd = rows[1]!.summary.perSecond;
    const text = [
      printTable(
        `Kafka sink sustained: ${fmt(EVENTS, 0)} decision events, journal + @platformatic/kafka shipper (acks=all; backlog batches gzip), shared broker (p50/p99 end to end = append → acknowledged, sampled every 5 ms)`,
        rows[0]!.name,
        rows,
      ),
      `Acknowledged ${fmt(acknowledged, 0)} of ${fmt(EVENTS, 0)} events (shipped counter; duplicates after a retry would count twice) in ${fmt(totalMs / 1000, 2)} s: ` +
        `**${fmt(endToEnd, 0)} events/s end to end** (aim ≥ 50,000: ${endToEnd >= 50_000 ? 'met' : 'not met'}). ` +
        `When the last append returned, ${fmt(EVENTS - atAppendEnd.count, 0)} events were still unacknowledged; the shipper drained them at ${fmt(drainRate, 0)} events/s.`,
      '',
    ].join('\n');
    process.stdout.write(text.split('\n').slice(-2).join('\n') + '\n');
    return { text };
  } finally {
    await sink.close();
  }
}

// ---- 2. Decide latency by sink -------------------------------------------------------------

interface SinkCase {
  name: string;
  server: RunningDecisionServer;
  client: GrpcDecisionClient;
  latencies: number[];
  measuredMs: number;
  cpuMicros: number;
}

/** Like bench-table's measure, but appends raw latencies so slices of one case can be merged. */
async function slice(operation: () => Promise<unknown>, durationMs: number, into: number[]): Promise<number> {
  const end = Date.now() + durationMs;
  const caller = async (): Promise<void> => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      await operation();
      into.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CALLERS }, caller));
  return performance.now() - started;
}

async function decideBySink(broker: string, bundlePath: string, decisionsFile: string, journalDir: string, runId: string): Promise<string> {
  const logger = pino({ level: 'silent' });
  const kafkaRegistry = new Registry();
  let kafkaBatches = 0;
  const sinks: Array<[string, () => Promise<AuditSink>]> = [
    ['no sink (discarding)', async () => new DiscardingAuditSink()],
    ['file sink', () => createAuditSink(`file:${decisionsFile}`, { source: `gatehouse://bench/decide-file-${runId}`, logger: quiet, registry: new Registry() })],
    [
      'Kafka sink (journal + shipper)',
      async () => {
        const sink = await openKafkaSink(broker, `gatehouse://bench/decide-kafka-${runId}`, journalDir, kafkaRegistry);
        // the shipper commits its journal position once per acknowledged batch: counting commits counts batches
        const commit = sink.journal.commit.bind(sink.journal);
        sink.journal.commit = (position) => {
          kafkaBatches += 1;
          return commit(position);
        };
        return sink;
      },
    ],
  ];
  const cases: SinkCase[] = [];
  try {
    for (const [name, open] of sinks) {
      const server = await startDecisionServer({ bundleSource: { ...bundleFileSource(bundlePath), watch: false }, auditSink: await open(), listen: '127.0.0.1:0', logger });
      cases.push({ name, server, client: new GrpcDecisionClient({ address: server.address, deadlineMs: 10_000 }), latencies: [], measuredMs: 0, cpuMicros: 0 });
    }
    let n = 0;
    const decide = (client: GrpcDecisionClient) => async (): Promise<void> => {
      const r = BENCH_REQUESTS[n % BENCH_REQUESTS.length]!;
      const sessionId = `bench-session-${n++ % SESSIONS}`;
      const answer = await client.decide({ subject: r.subject, action: r.action, resource: r.resource, context: r.context, sessionId });
      if (answer.reasons.some((reason) => reason.includes('unavailable') || reason.startsWith('audit:'))) throw new Error(`decide failed: ${answer.reasons.join('; ')}`);
    };
    for (const c of cases) await slice(decide(c.client), 500, []);
    // interleaved slices, rotating the order, so drift in the machine's load spreads over all cases
    const sliceMs = Math.max(250, Math.round(DURATION_MS / 3));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(round + k) % cases.length]!;
        // the process's CPU time (client and service alike in every case): the sink's own cost, robust to other processes' load
        const cpu = process.cpuUsage();
        c.measuredMs += await slice(decide(c.client), sliceMs, c.latencies);
        const used = process.cpuUsage(cpu);
        c.cpuMicros += used.user + used.system;
      }
    }
  } finally {
    for (const c of cases) {
      c.client.close();
      await c.server.close();
    }
  }
  const rows: TableRow[] = cases.map((c) => ({ name: c.name, summary: summarize(c.latencies, c.measuredMs) }));
  const base = rows[0]!.summary;
  const ratio = (value: number, of: number) => `${fmt(value / of, 2)}x (${value >= of ? '+' : ''}${fmt(((value - of) / of) * 100, 1)}%)`;
  const kafka = rows[2]!.summary;
  const kafkaShipped = (await auditMetrics(kafkaRegistry).shipped.get()).values.reduce((sum, v) => sum + v.value, 0);
  const lines = [
    printTable(`Decide over gRPC (DecideStream, ${CALLERS} callers) by audit sink, ${rows.length} cases × ${ROUNDS} interleaved slices`, rows[0]!.name, rows),
    `| case | p50 vs no sink | p99 vs no sink | process CPU µs per decision |`,
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (r, i) =>
        `| ${r.name} | ${ratio(r.summary.p50Micros, base.p50Micros)} | ${ratio(r.summary.p99Micros, base.p99Micros)} | ${fmt(cases[i]!.cpuMicros / r.summary.count, 0)} |`,
    ),
    '',
    `Kafka sink adds ${fmt(((kafka.p50Micros - base.p50Micros) / base.p50Micros) * 100, 1)}% to p50 \`Decide\` latency (aim < 10%: ${kafka.p50Micros <= base.p50Micros * 1.1 ? 'met' : 'not met'}) ` +
      `and ${fmt((cases[2]!.cpuMicros / kafka.count - cases[0]!.cpuMicros / base.count), 0)} µs of process CPU per decision; ` +
      `its shipper sent ${fmt(kafkaShipped, 0)} events in ${fmt(kafkaBatches, 0)} batches (${fmt(kafkaShipped / kafkaBatches, 1)} events per batch).`,
    '',
  ];
  process.stdout.write(lines.slice(1).join('\n') + '\n');
  return lines.join('\n');
}

// ---- 3. replay ------------------------------------------------------------------------------

async function replayRecorded(bundle: PreparedBundle, decisionsFile: string): Promise<string> {
  const inputs = readFileSync(decisionsFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const data: unknown = (JSON.parse(line) as { data?: unknown }).data;
      return isJsonObject(data) ? (data.input as unknown as DecisionInput) : undefined;
    })
    .filter((input): input is DecisionInput => input !== undefined);
  let i = 0;
  const evaluateOnly = measureSync(() => bundle.evaluate(inputs[i++ % inputs.length]!), Math.min(DURATION_MS, 2000));

  const started = performance.now();
  const report = await replayDecisions(readAuditSource(`file:${decisionsFile}`), bundle);
  const elapsedMs = performance.now() - started;
  const replay: LatencySummary = { count: report.replayed, p50Micros: NaN, p99Micros: NaN, perSecond: (report.replayed * 1000) / elapsedMs };
  const rows: TableRow[] = [
    { name: 'bundle.evaluate on the recorded inputs (no I/O, no parsing)', summary: evaluateOnly },
    { name: `replay decisions, file source, same bundle (${fmt(report.replayed, 0)} recorded)`, summary: replay },
  ];
  const text = [
    printTable('Replay decisions (audit/replay-decisions.ts, the `gatehouse replay decisions` logic)', rows[0]!.name, rows),
    `Replayed ${fmt(report.replayed, 0)} decisions in ${fmt(elapsedMs / 1000, 2)} s: **${fmt(replay.perSecond, 0)} decisions/s**; ` +
      `changed ${report.changed} (expected 0 for the same bundle), unfaithful ${report.unfaithful}, duplicates ${report.duplicates}.`,
    '',
  ].join('\n');
  process.stdout.write(text.split('\n').slice(-2).join('\n') + '\n');
  return text;
}

// ---- 4. producers ---------------------------------------------------------------------------

/** `count` real event lines (recorded by the file sink, reused in turn), cut into the shipper's 1 MiB batches. */
function shipperBatches(decisionsFile: string, count: number): ProducerBatchMessage[][] {
  const recorded = readFileSync(decisionsFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => ({ key: String((JSON.parse(line) as { subject?: unknown }).subject), value: line }));
  if (recorded.length === 0) throw new Error('the file sink recorded no decisions to produce');
  const batches: ProducerBatchMessage[][] = [];
  let batch: ProducerBatchMessage[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const message = recorded[i % recorded.length]!;
    if (batch.length > 0 && bytes + message.value.length > SHIPPER_BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += message.value.length + 1;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function verdict(runs: Array<{ name: string; summary: LatencySummary }>): string {
  const rate = (client: string, compression: string) => runs.find((r) => r.name.startsWith(client) && r.name.endsWith(compression))?.summary.perSecond ?? NaN;
  const speed = (compression: string) => `${fmt(rate('@platformatic', compression) / rate('kafkajs', compression), 2)}x kafkajs's events/s with ${compression}`;
  const text = [
    'The shipper uses @platformatic/kafka (idempotent, acks=all, one request in flight, murmur2 partitioning as the Java client); ' +
      `on these batches it did ${speed('gzip')} and ${speed('none')}. Both clients grew the high watermarks by exactly the events sent. ` +
      'gzip runs synchronously in the client: the shipper thread pays for it, the service thread does not.',
    '',
  ].join('\n');
  process.stdout.write(text + '\n');
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
