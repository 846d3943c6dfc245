import type { Effect, Obligations } from '../../engine/model/index.ts';
import type { JsonObject } from '../../engine/model/index.ts';
import type { Resource, Subject } from '../../engine/model/index.ts';

/** What a proxy asks: raw text in the context, never facts (the engine computes them). */
export interface DecisionAsk {
  action: string;
  resource: Resource;
  context: JsonObject;
  /** The credential the client presented (scoped token or OIDC JWT); never logged. */
  token?: string;
  /** Only honoured by the service when no token is present (see docs/threat-model.md). */
  subject?: Subject;
  sessionId: string;
  /** Idempotency key; the client generates one when absent and reuses it on retries. */
  requestId?: string;
}

/** The answer a proxy enforces. A proxy treats anything it cannot enforce as deny. */
export interface DataPlaneDecision {
  decisionId: string;
  effect: Effect;
  reasons: string[];
  obligations: Obligations;
  approvalId?: string;
  policyRevision: string;
}

/** `reason` is a complete reason line, `approval:<id>: <status> [by <reviewer>] [(<comment>)]`. */
export type ApprovalOutcome =
  | { status: 'approved'; approvalId: string; reason: string }
  | { status: 'denied' | 'expired' | 'unavailable'; approvalId: string; reason: string };

/** The proxy SDK's view of the decision service (implemented over gRPC by GrpcDecisionClient). */
export interface DecisionClient {
  /** Never rejects: transport errors, deadlines and EFFECT_UNSPECIFIED come back as deny. */
  decide(ask: DecisionAsk): Promise<DataPlaneDecision>;
  /** Waits until the approval resolves; never rejects (failure → unavailable, which proxies refuse). */
  awaitApproval(approvalId: string, token: string | undefined, signal?: AbortSignal): Promise<ApprovalOutcome>;
  close(): void;
}

/**
 * The obligations a proxy knows how to enforce. Any other key in a decision's obligations
 * turns an allow into a deny (fail closed), as docs/architecture.md "Combining" requires.
 */
export function unenforceableObligations(obligations: Obligations, enforceable: readonly string[]): string[] {
  return Object.entries(obligations)
    .filter(([key, value]) => !enforceable.includes(key) && !(Array.isArray(value) && value.length === 0))
    .map(([key]) => key);
}
