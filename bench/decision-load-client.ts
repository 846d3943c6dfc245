/**
 * The load generator of bench/decision-service.ts, run as its own process so that the client's
 * gRPC/HTTP work does not share a thread with the service it measures (the opa server is a
 * separate process too). It reads one JSON job per stdin line and answers each with one JSON
 * line: `{ latencies: number[] (µs), elapsedMs }`. Clients stay open between jobs.
 *
 *   job: { mode: 'unary' | 'stream' | 'opa', address: 'host:port', callers, durationMs, warmupMs,
 *          uniqueSubjects? (every request from a new subject id: no engine can reuse an answer),
 *          ratePerSecond? (open loop: the callers together send at this rate on a fixed schedule,
 *          and a latency counts from when its request was due, so a slow answer that delays the
 *          next send shows in the latencies instead of lowering the rate unseen) }
 */
import { Agent } from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { GrpcDecisionClient } from '../dataplane/sdk/grpc-decision-client.ts';
import { jsonToStruct } from '../proto/struct-json.ts';
import { computeFacts, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import { loadGatehouseProtos } from '../proto/gatehouse-protos.ts';
import type { DecisionServiceClient } from '../proto/generated/gatehouse/v1/DecisionService.ts';
import { BENCH_REQUESTS } from './bench-requests.ts';
import { opaRestDecide } from './opa-rest-decide.ts';

export interface LoadJob {
  mode: 'unary' | 'stream' | 'opa';
  address: string;
  callers: number;
  durationMs: number;
  warmupMs: number;
  uniqueSubjects?: boolean;
  ratePerSecond?: number;
}

export interface LoadResult {
  latencies: number[];
  elapsedMs: number;
  /** The load client's own event loop over the job: share of time busy, and its GC pauses. */
  client?: { loopBusy: number; gcPauses: number; gcTotalMs: number; gcMaxMs: number };
  error?: string;
}

await initFactExtractors();
const now = new Date().toISOString();
// The opa server gets the requests with facts computed: it has no fact extractors.
const opaInputs = BENCH_REQUESTS.map((r) => ({ ...r, time: now, context: computeFacts(r.context).context }));
const unaryClients = new Map<string, DecisionServiceClient>();
const streamClients = new Map<string, GrpcDecisionClient>();
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let n = 0;
const subjectOf = (job: LoadJob, id: string): string => (job.uniqueSubjects ? `${id}-${n}` : id);

function operationFor(job: LoadJob): () => Promise<void> {
  if (job.mode === 'unary') {
    let client = unaryClients.get(job.address);
    if (!client) {
      client = new (loadGatehouseProtos().services.DecisionService)(job.address, grpc.credentials.createInsecure());
      unaryClients.set(job.address, client);
    }
    const unary = client;
    return () =>
      new Promise((resolve, reject) => {
        const r = BENCH_REQUESTS[n++ % BENCH_REQUESTS.length];
        unary.Decide(
          {
            subject: { id: subjectOf(job, r.subject.id), groups: r.subject.groups ?? [] },
            action: r.action,
            resource: { type: r.resource.type, id: r.resource.id, attributes: jsonToStruct(r.resource.attributes ?? {}) },
            context: jsonToStruct(r.context),
          },
          { deadline: Date.now() + 10_000 },
          (error) => (error ? reject(error) : resolve()),
        );
      });
  }
  if (job.mode === 'stream') {
    let client = streamClients.get(job.address);
    if (!client) {
      client = new GrpcDecisionClient({ address: job.address, deadlineMs: 10_000 });
      streamClients.set(job.address, client);
    }
    const stream = client;
    return async () => {
      const r = BENCH_REQUESTS[n % BENCH_REQUESTS.length];
      // Many sessions, as behind a busy proxy: one session's share of the service is small.
      const sessionId = `bench-${n++ % 256}`;
      const decision = await stream.decide({ subject: { ...r.subject, id: subjectOf(job, r.subject.id) }, action: r.action, resource: r.resource, context: r.context, sessionId });
      // The client turns a transport failure into a deny without a decision id: not a decision.
      if (decision.decisionId === '') throw new Error(decision.reasons.join('; '));
    };
  }
  const split = job.address.lastIndexOf(':');
  const host = job.address.slice(0, split);
  const port = Number(job.address.slice(split + 1));
  return () =>
    opaRestDecide(agent, host, port, opaInputs[n++ % opaInputs.length]);
}

async function run(job: LoadJob): Promise<LoadResult> {
  const operation = operationFor(job);
  const warmupEnd = Date.now() + job.warmupMs;
  const latencies: number[] = [];
  let started = 0;
  let end = 0;
  const caller = async (): Promise<void> => {
    while (Date.now() < warmupEnd) await operation();
    if (started === 0) {
      started = Date.now();
      end = started + job.durationMs;
    }
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      await operation();
      latencies.push(Math.round(Number(process.hrtime.bigint() - t0) / 1000));
    }
  };
  const pacedCaller = async (index: number): Promise<void> => {
    while (Date.now() < warmupEnd) await operation();
    const intervalNs = BigInt(Math.round((job.callers / job.ratePerSecond!) * 1e9));
    const startNs = process.hrtime.bigint() + (intervalNs * BigInt(index)) / BigInt(job.callers);
    if (started === 0) {
      started = Date.now();
      end = started + job.durationMs;
    }
    for (let k = 0n; Date.now() < end; k++) {
      const due = startNs + k * intervalNs;
      const wait = Number(due - process.hrtime.bigint()) / 1e6;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await operation();
      latencies.push(Math.round(Number(process.hrtime.bigint() - due) / 1000));
    }
  };
  const loop0 = performance.eventLoopUtilization();
  const gcPauses: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  await Promise.all(Array.from({ length: job.callers }, (_, i) => (job.ratePerSecond ? pacedCaller(i) : caller())));
  gcObserver.disconnect();
  const client = {
    loopBusy: performance.eventLoopUtilization(loop0).utilization,
    gcPauses: gcPauses.length,
    gcTotalMs: gcPauses.reduce((sum, d) => sum + d, 0),
    gcMaxMs: gcPauses.reduce((max, d) => Math.max(max, d), 0),
  };
  return { latencies, elapsedMs: Date.now() - started, client };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  let result: LoadResult;
  try {
    result = await run(JSON.parse(line) as LoadJob);
  } catch (error) {
    result = { latencies: [], elapsedMs: 0, error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
for (const client of unaryClients.values()) client.close();
for (const client of streamClients.values()) client.close();
agent.destroy();
