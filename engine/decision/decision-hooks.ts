import type { Decision } from '../model/index.ts';
import type { JsonObject, JsonValue } from '../model/index.ts';
import type { DecisionInput, Resource, ResourceRef, Subject, TokenFacts } from '../model/index.ts';

/**
 * Seams of the decision pipeline (engine/server) that the token and approval subsystems
 * (engine/control/tokens, engine/control/approvals) implement. The pipeline order is:
 *   validate → facts → TokenGate.check → TokenGate.consumeUse (non-*.connect) → policy
 *   → ApprovalGate (window / new approval) → audit → answer.
 * Every method resolves; a failure to decide is expressed as `{ ok: false }` and the pipeline
 * denies. A thrown error is also turned into a deny by the pipeline (fail closed).
 */

export type TokenCheck =
  | { ok: true; token: TokenFacts; subject: Subject }
  | { ok: false; /** which check failed: signature, expired, audience, action, constraints, revoked, uses, issuer, ... */ check: string; reason: string };

export interface TokenCheckRequest {
  action: string;
  resource: Resource;
  /** Context with computed facts (constraints compare against them and the raw text). */
  context: JsonObject;
  now: Date;
}

export interface TokenGate {
  /** Verifies a raw credential (Gatehouse scoped token or OIDC JWT); consumes nothing. */
  check(raw: string, request: TokenCheckRequest): Promise<TokenCheck>;
  /**
   * Consumes one use of a scoped token for a decided command, atomically across replicas.
   * Idempotent per requestId: a retry of the same request consumes nothing more.
   */
  consumeUse(token: TokenFacts, requestId: string): Promise<{ ok: true; uses: number } | { ok: false; reason: string }>;
}

/** What an approval is bound to: the exact request (docs/architecture.md "Approvals"). */
export interface ApprovalBinding {
  subject: string;
  executor?: string;
  action: string;
  resource: ResourceRef;
  /** The raw command text (SQL or shell); empty when the request carries none. */
  text: string;
  /**
   * The bound parameter values of an extended-protocol Execute (`context.sql.parameters`): an
   * approval of `DELETE … WHERE id = $1` is for those values only, not for any $1.
   */
  parameters?: JsonValue[];
}

export interface ApprovalGate {
  /** A granted approval window covering this binding at `now`, if any. */
  findWindow(binding: ApprovalBinding, now: Date): Promise<{ approvalId: string } | undefined>;
  /** Creates the pending approval for a require_approval decision (same requestId → same approval). */
  requestApproval(request: {
    binding: ApprovalBinding;
    input: DecisionInput;
    decision: Decision;
    decisionId: string;
    requestId: string;
  }): Promise<{ approvalId: string }>;
  /** The secret returned with a pending approval to the caller that asked, to await it without a credential. */
  capabilityFor?(approvalId: string): string;
}
