// Original file: gatehouse/v1/decision.proto

import type { Effect as _gatehouse_v1_Effect, Effect__Output as _gatehouse_v1_Effect__Output } from '../../gatehouse/v1/Effect.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

/**
 * The answer to one `DecideRequest`.
 */
export interface DecideResponse {
  /**
   * Unique identifier of this decision (a UUID). Audit events, approvals and replay refer to it.
   */
  'decision_id'?: (string);
  /**
   * The outcome. Never `EFFECT_UNSPECIFIED` when sent by the service; treat that value as deny.
   */
  'effect'?: (_gatehouse_v1_Effect);
  /**
   * Why, each formatted `<source>:<id>: <text>`, where source is `rego`, `cedar`, `token`,
   * `approval`, `facts`, `audit`, `request` or `service`. For example
   * `cedar:forbid-prod-drop: DROP is never allowed on prod`. May be empty for a plain allow.
   */
  'reasons'?: (string)[];
  /**
   * What the data plane must do when it proceeds, e.g. `{"mask": ["email", "ssn"]}` (column names,
   * case-insensitive). The union of all engines' obligations. A data plane that receives a key it
   * cannot enforce must deny. Empty (`{}`) when there are none.
   */
  'obligations'?: (_google_protobuf_Struct | null);
  /**
   * Set only with `EFFECT_REQUIRE_APPROVAL`: the pending approval created (or, for a retry,
   * re-found) for this exact request. Empty when the service has no approval store; then the
   * data plane must deny.
   */
  'approval_id'?: (string);
  /**
   * Revision of the policy bundle that decided (the bundle manifest's content-derived revision).
   * Empty only when no policy ran (e.g. a token check failed before evaluation).
   */
  'policy_revision'?: (string);
  /**
   * The `request_id` of the request, echoed (empty when the request had none).
   */
  'request_id'?: (string);
  /**
   * Set only with `approval_id`: a secret that lets the holder await this approval's outcome
   * (`AwaitApprovalRequest.capability`) without an identity credential. Only the caller that
   * got the require_approval answer holds it; it is never logged, stored or audited.
   */
  'approval_capability'?: (string);
  /**
   * Always true from a service that reads `DecideRequest.context_json`. A data plane that sent
   * `context_json` and gets an answer without it is talking to an older service, which decided
   * on an empty context: it must treat the answer as a deny.
   */
  'reads_context_json'?: (boolean);
}

/**
 * The answer to one `DecideRequest`.
 */
export interface DecideResponse__Output {
  /**
   * Unique identifier of this decision (a UUID). Audit events, approvals and replay refer to it.
   */
  'decision_id': (string);
  /**
   * The outcome. Never `EFFECT_UNSPECIFIED` when sent by the service; treat that value as deny.
   */
  'effect': (_gatehouse_v1_Effect__Output);
  /**
   * Why, each formatted `<source>:<id>: <text>`, where source is `rego`, `cedar`, `token`,
   * `approval`, `facts`, `audit`, `request` or `service`. For example
   * `cedar:forbid-prod-drop: DROP is never allowed on prod`. May be empty for a plain allow.
   */
  'reasons': (string)[];
  /**
   * What the data plane must do when it proceeds, e.g. `{"mask": ["email", "ssn"]}` (column names,
   * case-insensitive). The union of all engines' obligations. A data plane that receives a key it
   * cannot enforce must deny. Empty (`{}`) when there are none.
   */
  'obligations': (_google_protobuf_Struct__Output | null);
  /**
   * Set only with `EFFECT_REQUIRE_APPROVAL`: the pending approval created (or, for a retry,
   * re-found) for this exact request. Empty when the service has no approval store; then the
   * data plane must deny.
   */
  'approval_id': (string);
  /**
   * Revision of the policy bundle that decided (the bundle manifest's content-derived revision).
   * Empty only when no policy ran (e.g. a token check failed before evaluation).
   */
  'policy_revision': (string);
  /**
   * The `request_id` of the request, echoed (empty when the request had none).
   */
  'request_id': (string);
  /**
   * Set only with `approval_id`: a secret that lets the holder await this approval's outcome
   * (`AwaitApprovalRequest.capability`) without an identity credential. Only the caller that
   * got the require_approval answer holds it; it is never logged, stored or audited.
   */
  'approval_capability': (string);
  /**
   * Always true from a service that reads `DecideRequest.context_json`. A data plane that sent
   * `context_json` and gets an answer without it is talking to an older service, which decided
   * on an empty context: it must treat the answer as a deny.
   */
  'reads_context_json': (boolean);
}
