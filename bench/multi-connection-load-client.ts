/**
 * The load generator of bench/decision-workers.ts, run as its own process. Unlike
 * bench/decision-load-client.ts (one connection, through the SDK), it spreads its callers over
 * several gRPC connections, as several data-plane processes would: `serve --workers N` hands
 * each connection to one worker, so one connection can only ever load one worker. It reads one
 * JSON job per stdin line and answers each with one JSON line `{ latencies (µs), elapsedMs }`.
 *
 *   job: { mode: 'unary' | 'stream' | 'opa', address, callers, connections, durationMs, warmupMs }
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { jsonToStruct } from '../proto/struct-json.ts';
import { computeFacts, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import { loadGatehouseProtos } from '../proto/gatehouse-protos.ts';
import type { DecideRequest } from '../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { DecideStreamRequest } from '../proto/generated/gatehouse/v1/DecideStreamRequest.ts';
import type { DecideStreamResponse__Output } from '../proto/generated/gatehouse/v1/DecideStreamResponse.ts';
import type { DecisionServiceClient } from '../proto/generated/gatehouse/v1/DecisionService.ts';
import { BENCH_REQUESTS } from './bench-requests.ts';
import { opaRestDecide } from './opa-rest-decide.ts';

export interface MultiConnectionJob {
  mode: 'unary' | 'stream' | 'opa';
  address: string;
  callers: number;
  /** gRPC connections the callers are spread over (opa: HTTP keep-alive sockets, up to callers). */
  connections: number;
  durationMs: number;
  warmupMs: number;
}

export interface MultiConnectionResult {
  latencies: number[];
  elapsedMs: number;
  error?: string;
}

await initFactExtractors();
const now = new Date().toISOString();
// The opa server gets the requests with facts computed: it has no fact extractors.
const opaInputs = BENCH_REQUESTS.map((r) => ({ ...r, time: now, context: computeFacts(r.context).context }));
const grpcRequests: Omit<DecideRequest, 'request_id'>[] = BENCH_REQUESTS.map((r) => ({
  subject: { id: r.subject.id, groups: r.subject.groups ?? [] },
  action: r.action,
  resource: { type: r.resource.type, id: r.resource.id, attributes: jsonToStruct(r.resource.attributes ?? {}) },
  context: jsonToStruct(r.context),
}));
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let n = 0;

/** One DecideStream on one connection, answers matched by request_id. */
class StreamConnection {
  readonly #stream: grpc.ClientDuplexStream<DecideStreamRequest, DecideStreamResponse__Output>;
  readonly #pending = new Map<string, { resolve(): void; reject(error: Error): void }>();

  constructor(readonly client: DecisionServiceClient) {
    this.#stream = client.DecideStream();
    this.#stream.on('data', (message: DecideStreamResponse__Output) => {
      const pending = this.#pending.get(message.request_id);
      this.#pending.delete(message.request_id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve();
    });
    this.#stream.on('error', (error: Error) => {
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    });
  }

  decide(): Promise<void> {
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      this.#stream.write({ request: { ...grpcRequests[n++ % grpcRequests.length], request_id: requestId } });
    });
  }

  close(): void {
    this.#stream.end();
    this.client.close();
  }
}

function connect(address: string): DecisionServiceClient {
  // A local subchannel pool: clients to one address would otherwise share one connection.
  return new (loadGatehouseProtos().services.DecisionService)(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
}

/** One operation per caller index; the connections live for one job. */
function operationsFor(job: MultiConnectionJob): { operation: (caller: number) => Promise<void>; close(): void } {
  if (job.mode === 'unary') {
    const clients = Array.from({ length: job.connections }, () => connect(job.address));
    return {
      operation: (caller) =>
        new Promise((resolve, reject) => {
          const client = clients[caller % clients.length]!;
          client.Decide({ ...grpcRequests[n++ % grpcRequests.length], request_id: randomUUID() }, { deadline: Date.now() + 10_000 }, (error) => (error ? reject(error) : resolve()));
        }),
      close: () => clients.forEach((c) => c.close()),
    };
  }
  if (job.mode === 'stream') {
    const streams = Array.from({ length: job.connections }, () => new StreamConnection(connect(job.address)));
    return { operation: (caller) => streams[caller % streams.length]!.decide(), close: () => streams.forEach((s) => s.close()) };
  }
  const split = job.address.lastIndexOf(':');
  const host = job.address.slice(0, split);
  const port = Number(job.address.slice(split + 1));
  return {
    operation: () =>
      opaRestDecide(agent, host, port, opaInputs[n++ % opaInputs.length]),
    close: () => undefined,
  };
}

async function run(job: MultiConnectionJob): Promise<MultiConnectionResult> {
  const { operation, close } = operationsFor(job);
  try {
    const warmupEnd = Date.now() + job.warmupMs;
    const latencies: number[] = [];
    let started = 0;
    let end = 0;
    const caller = async (index: number): Promise<void> => {
      while (Date.now() < warmupEnd) await operation(index);
      if (started === 0) {
        started = Date.now();
        end = started + job.durationMs;
      }
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        await operation(index);
        latencies.push(Math.round(Number(process.hrtime.bigint() - t0) / 1000));
      }
    };
    await Promise.all(Array.from({ length: job.callers }, (_, index) => caller(index)));
    return { latencies, elapsedMs: Date.now() - started };
  } finally {
    close();
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  let result: MultiConnectionResult;
  try {
    result = await run(JSON.parse(line) as MultiConnectionJob);
  } catch (error) {
    result = { latencies: [], elapsedMs: 0, error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
agent.destroy();
