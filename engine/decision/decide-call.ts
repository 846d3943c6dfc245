import type { Effect, Obligations } from '../model/index.ts';
import type { JsonObject } from '../model/index.ts';
import type { Resource, Subject } from '../model/index.ts';

/**
 * A validated decision request as the pipeline sees it (the gRPC DecideRequest after
 * `parseDecideRequest`). `token` is the raw credential: it is hashed into the idempotency
 * fingerprint and handed to the TokenGate, and never logged or recorded.
 */
export interface DecideCall {
  /** Caller-asserted subject; used only when there is no token. */
  subject?: Subject;
  action: string;
  resource: Resource;
  context: JsonObject;
  /**
   * The exact bytes of `context_json` when the caller sent the context that way: the
   * idempotency fingerprint hashes them as sent instead of re-serialising `context`.
   */
  contextJson?: Uint8Array;
  token?: string;
  sessionId?: string;
  requestId?: string;
}

/** The pipeline's answer, mapped 1:1 onto DecideResponse at the gRPC edge. */
export interface DecisionAnswer {
  decisionId: string;
  effect: Effect;
  reasons: string[];
  obligations: Obligations;
  /** Set only with require_approval when an ApprovalGate created or found the approval. */
  approvalId?: string;
  /** With approvalId: the capability to await it (computed per answer, never remembered or audited). */
  approvalCapability?: string;
  /** Empty when no policy ran. */
  policyRevision: string;
  requestId?: string;
}
