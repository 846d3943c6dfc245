import * as grpc from '@grpc/grpc-js';
import type { DecideBatchRequest__Output } from '../../proto/generated/gatehouse/v1/DecideBatchRequest.ts';
import type { DecideRequest__Output } from '../../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { DecideResponse } from '../../proto/generated/gatehouse/v1/DecideResponse.ts';
import type { DecideStreamRequest__Output } from '../../proto/generated/gatehouse/v1/DecideStreamRequest.ts';
import type { DecideStreamResponse } from '../../proto/generated/gatehouse/v1/DecideStreamResponse.ts';
import type { DecisionServiceHandlers } from '../../proto/generated/gatehouse/v1/DecisionService.ts';
import type { Effect as ProtoEffect } from '../../proto/generated/gatehouse/v1/Effect.ts';
import type { Effect } from '../model/index.ts';
import type { DecideCall, DecisionAnswer } from '../decision/index.ts';
import type { DecisionPipeline } from '../decision/index.ts';
import { FairScheduler, isHeavyCall } from '../decision/index.ts';
import { parseDecideRequest } from './parse-decide-request.ts';
import { InvalidRequestError } from '../decision/index.ts';
import { statusOf } from './grpc-status.ts';
import { jsonToStruct } from '../../proto/struct-json.ts';

export const MAX_BATCH = 1000;
/** Requests of one DecideStream decided concurrently before the service stops reading it. */
export const STREAM_WINDOW = 256;
/** Requests that name no session share by stream (bounded by STREAM_WINDOW) or by peer. */
const STREAM_SHARE = { running: STREAM_WINDOW, waiting: STREAM_WINDOW };
const UNNAMED_SHARE = { running: STREAM_WINDOW, waiting: 4 * STREAM_WINDOW };

const PROTO_EFFECT: Record<Effect, ProtoEffect> = {
  allow: 'EFFECT_ALLOW',
  deny: 'EFFECT_DENY',
  require_approval: 'EFFECT_REQUIRE_APPROVAL',
};

export interface DecisionServiceHooks {
  /** Counts requests refused before evaluation (by gRPC code name). */
  refused?(code: string): void;
  /** Unexpected failures (a bug): logged by the server. */
  failed?(error: unknown): void;
}

/** Open DecideStreams, so that shutdown can let each finish what it has read and end it. */
export class StreamRegistry {
  readonly #streams = new Set<{ drain(): void }>();
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  add(stream: { drain(): void }): () => void {
    this.#streams.add(stream);
    if (this.#draining) stream.drain();
    return () => this.#streams.delete(stream);
  }

  drainAll(): void {
    this.#draining = true;
    for (const stream of this.#streams) stream.drain();
  }
}

/** The DecisionService handlers: decode and validate at the edge, decide, encode. */
export function decisionServiceHandlers(
  pipeline: DecisionPipeline,
  streams: StreamRegistry,
  hooks: DecisionServiceHooks = {},
  /** Shares capacity between sessions (one per server). */
  scheduler: FairScheduler = new FairScheduler(),
): DecisionServiceHandlers {
  let streamCount = 0;
  // Refusals are counted by status name; anything answered INTERNAL is a bug, logged by the server.
  const callStatus = (error: unknown): { code: grpc.status; details: string; metadata?: grpc.Metadata } => {
    const status = statusOf(error, { onInternal: (failure) => hooks.failed?.(failure), internalDetails: 'internal error; treat as deny' });
    if (status.code !== grpc.status.INTERNAL) hooks.refused?.(grpc.status[status.code]);
    return status;
  };

  return {
    Decide(call, callback) {
      let parsed: DecideCall;
      try {
        parsed = parseDecideRequest(call.request);
      } catch (error) {
        callback(callStatus(error));
        return;
      }
      const deadline = deadlineOf(call);
      const share = parsed.sessionId === undefined ? UNNAMED_SHARE : undefined;
      scheduler.run(parsed.sessionId ?? `peer:${call.getPeer()}`, isHeavyCall(parsed), () => pipeline.decide(parsed, { deadline }), share).then(
        (answer) => callback(null, toResponse(answer)),
        (error: unknown) => callback(callStatus(error)),
      );
    },

    DecideBatch(call, callback) {
      let calls: DecideCall[];
      try {
        calls = parseBatch(call.request);
      } catch (error) {
        callback(callStatus(error));
        return;
      }
      const deadline = deadlineOf(call);
      // A batch is one unit of its caller's share: its items are decided together, as before.
      scheduler.run(`peer:${call.getPeer()}`, calls.some(isHeavyCall), () => Promise.all(calls.map((one) => pipeline.decide(one, { deadline }))), UNNAMED_SHARE).then(
        (answers) => callback(null, { responses: answers.map(toResponse) }),
        (error: unknown) => callback(callStatus(error)),
      );
    },

    DecideStream(call) {
      const deadline = deadlineOf(call);
      const streamKey = `stream:${++streamCount}`;
      let pending = 0;
      let inputEnded = false;
      let closed = false;
      let draining = false;
      let paused = false;

      const finishIfDone = () => {
        if (!closed && pending === 0 && (inputEnded || draining)) {
          closed = true;
          call.end();
        }
      };
      // Stop reading while the window is full or the client is not reading its answers, so a
      // stream can never make the service buffer without bound.
      const updateFlow = () => {
        const hold = pending >= STREAM_WINDOW || call.writableNeedDrain;
        if (hold && !paused) {
          paused = true;
          call.pause();
        } else if (!hold && paused && !closed) {
          paused = false;
          call.resume();
        }
      };
      const send = (message: DecideStreamResponse) => {
        if (!closed) call.write(message);
      };
      call.on('drain', updateFlow);
      const unregister = streams.add({
        drain() {
          draining = true;
          finishIfDone();
        },
      });
      const stop = () => {
        closed = true;
        unregister();
      };
      call.on('cancelled', stop);
      call.on('error', stop);
      call.on('finish', unregister);
      call.on('end', () => {
        inputEnded = true;
        finishIfDone();
      });

      call.on('data', (message: DecideStreamRequest__Output) => {
        const raw = message.request;
        const requestId = echoableId(raw?.request_id);
        if (draining) {
          send({ request_id: requestId, error: { code: grpc.status.UNAVAILABLE, message: 'service is shutting down; retry on a new stream' } });
          return;
        }
        let parsed: DecideCall;
        try {
          if (!raw) throw new InvalidRequestError('request', 'required');
          parsed = parseDecideRequest(raw, { requireRequestId: true });
        } catch (error) {
          const status = callStatus(error);
          send({ request_id: requestId, error: { code: status.code, message: status.details } });
          return;
        }
        pending++;
        updateFlow();
        scheduler
          .run(parsed.sessionId ?? streamKey, isHeavyCall(parsed), () => pipeline.decide(parsed, { deadline }), parsed.sessionId === undefined ? STREAM_SHARE : undefined)
          .then(
            (answer) => send({ request_id: requestId, response: toResponse(answer) }),
            (error: unknown) => {
              const status = callStatus(error);
              send({ request_id: requestId, error: { code: status.code, message: status.details } });
            },
          )
          .finally(() => {
            pending--;
            updateFlow();
            finishIfDone();
          });
      });
    },
  };
}

export function toResponse(answer: DecisionAnswer): DecideResponse {
  return {
    decision_id: answer.decisionId,
    effect: PROTO_EFFECT[answer.effect] ?? 'EFFECT_DENY',
    reasons: answer.reasons,
    obligations: jsonToStruct(answer.obligations),
    approval_id: answer.approvalId ?? '',
    approval_capability: answer.approvalCapability ?? '',
    policy_revision: answer.policyRevision,
    request_id: answer.requestId ?? '',
    reads_context_json: true,
  };
}

function parseBatch(batch: DecideBatchRequest__Output): DecideCall[] {
  const requests: DecideRequest__Output[] = batch.requests ?? [];
  if (requests.length === 0) throw new InvalidRequestError('requests', 'at least one request is required');
  if (requests.length > MAX_BATCH) throw new InvalidRequestError('requests', `at most ${MAX_BATCH} requests per batch`);
  const seen = new Set<string>();
  return requests.map((request, index) => {
    let parsed: DecideCall;
    try {
      parsed = parseDecideRequest(request);
    } catch (error) {
      throw error instanceof InvalidRequestError ? error.within(`requests[${index}].`) : error;
    }
    if (parsed.requestId !== undefined) {
      if (seen.has(parsed.requestId)) throw new InvalidRequestError(`requests[${index}].request_id`, 'duplicate within the batch');
      seen.add(parsed.requestId);
    }
    return parsed;
  });
}

function deadlineOf(call: { getDeadline(): grpc.Deadline }): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

/** A request_id is echoed on errors only when it is safe to (bounded, printable). */
function echoableId(id: string | undefined): string {
  return id && id.length <= 128 && /^[\x21-\x7e]+$/.test(id) ? id : '';
}
