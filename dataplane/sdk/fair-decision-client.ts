import type { ApprovalOutcome, DataPlaneDecision, DecisionAsk, DecisionClient } from './data-plane-decision.ts';
import { cannotEncode, GrpcDecisionClient, type GrpcDecisionClientOptions } from './grpc-decision-client.ts';
import { encodeContextJson } from './context-json-encoding.ts';

export interface FairDecisionClientOptions extends GrpcDecisionClientOptions {
  /** Decisions of one session in flight at once; more wait their turn. Default 4. */
  perSessionInFlight?: number;
  /** Decisions of one session waiting; one more is denied locally. Default 32. */
  perSessionWaiting?: number;
  /** A request whose context is larger (bytes of JSON) is denied without asking. Default 1 MiB. */
  maxRequestBytes?: number;
  /** Requests larger than this go on their own stream. Default 64 KiB. */
  largeRequestBytes?: number;
}

export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

interface SessionSlots {
  inFlight: number;
  waiting: (() => void)[];
}

/**
 * The data plane's decision client for many sessions at once (a proxy): it keeps one session
 * from taking the capacity of the others. Each session has a few decisions in flight and a
 * bounded queue; a request too large for the service is denied here with the reason; large
 * requests travel on a stream of their own, so megabytes of one session's SQL never queue
 * ahead of another session's `SELECT 1` on the same HTTP/2 stream. Like GrpcDecisionClient it
 * never rejects: every failure is a deny.
 */
export class FairDecisionClient implements DecisionClient {
  private readonly small: GrpcDecisionClient;
  private readonly large: GrpcDecisionClient;
  private readonly sessions = new Map<string, SessionSlots>();
  private readonly perSessionInFlight: number;
  private readonly perSessionWaiting: number;
  private readonly maxRequestBytes: number;
  private readonly largeRequestBytes: number;

  constructor(options: FairDecisionClientOptions) {
    this.small = new GrpcDecisionClient(options);
    this.large = new GrpcDecisionClient(options);
    this.perSessionInFlight = options.perSessionInFlight ?? 4;
    this.perSessionWaiting = options.perSessionWaiting ?? 32;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.largeRequestBytes = options.largeRequestBytes ?? 64 * 1024;
  }

  async decide(ask: DecisionAsk): Promise<DataPlaneDecision> {
    // Encoded once: the size check and the request (context_json) share it.
    let contextJson: Buffer;
    try {
      contextJson = encodeContextJson(ask.context);
    } catch (error) {
      return cannotEncode(error);
    }
    const bytes = contextJson.length;
    if (bytes > this.maxRequestBytes) {
      return denial(`gatehouse: the request is ${bytes} bytes, more than the ${this.maxRequestBytes} bytes a decision may carry; denied`);
    }
    const slots = this.sessions.get(ask.sessionId) ?? { inFlight: 0, waiting: [] };
    this.sessions.set(ask.sessionId, slots);
    if (slots.inFlight >= this.perSessionInFlight) {
      if (slots.waiting.length >= this.perSessionWaiting) {
        return denial(
          `gatehouse: session ${ask.sessionId} already has ${slots.inFlight} decisions in flight and ${slots.waiting.length} waiting; denied (wait for answers before sending more)`,
        );
      }
      // Woken by a finishing decision, which hands over its slot.
      await new Promise<void>((resolve) => slots.waiting.push(resolve));
    } else {
      slots.inFlight++;
    }
    try {
      return await (bytes > this.largeRequestBytes ? this.large : this.small).decideEncoded(ask, contextJson);
    } finally {
      const next = slots.waiting.shift();
      if (next) next();
      else if (--slots.inFlight === 0) this.sessions.delete(ask.sessionId);
    }
  }

  awaitApproval(approvalId: string, token: string | undefined, signal?: AbortSignal): Promise<ApprovalOutcome> {
    return this.small.awaitApproval(approvalId, token, signal);
  }

  close(): void {
    this.small.close();
    this.large.close();
  }
}

function denial(reason: string): DataPlaneDecision {
  return { decisionId: '', effect: 'deny', reasons: [reason], obligations: {}, policyRevision: '' };
}
