// Original file: gatehouse/v1/decision.proto

/**
 * The outcome of a decision.
 */
export const Effect = {
  /**
   * Never sent by the service. A client that receives it (for example from a newer or broken
   * server) must treat it as `EFFECT_DENY`.
   */
  EFFECT_UNSPECIFIED: 'EFFECT_UNSPECIFIED',
  /**
   * The action may proceed. The data plane must still enforce every entry of `obligations` and deny
   * if it cannot.
   */
  EFFECT_ALLOW: 'EFFECT_ALLOW',
  /**
   * The action must not proceed. `reasons` says why.
   */
  EFFECT_DENY: 'EFFECT_DENY',
  /**
   * The action must wait for a human approval. When the service has an approval store configured,
   * `approval_id` names the pending approval (see `ApprovalService.AwaitApproval`); without one
   * `approval_id` is empty and the data plane must treat the answer as a deny.
   */
  EFFECT_REQUIRE_APPROVAL: 'EFFECT_REQUIRE_APPROVAL',
} as const;

/**
 * The outcome of a decision.
 */
export type Effect =
  /**
   * Never sent by the service. A client that receives it (for example from a newer or broken
   * server) must treat it as `EFFECT_DENY`.
   */
  | 'EFFECT_UNSPECIFIED'
  | 0
  /**
   * The action may proceed. The data plane must still enforce every entry of `obligations` and deny
   * if it cannot.
   */
  | 'EFFECT_ALLOW'
  | 1
  /**
   * The action must not proceed. `reasons` says why.
   */
  | 'EFFECT_DENY'
  | 2
  /**
   * The action must wait for a human approval. When the service has an approval store configured,
   * `approval_id` names the pending approval (see `ApprovalService.AwaitApproval`); without one
   * `approval_id` is empty and the data plane must treat the answer as a deny.
   */
  | 'EFFECT_REQUIRE_APPROVAL'
  | 3

/**
 * The outcome of a decision.
 */
export type Effect__Output = typeof Effect[keyof typeof Effect]
