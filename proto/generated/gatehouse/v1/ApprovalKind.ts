// Original file: gatehouse/v1/approval.proto

/**
 * What is held.
 */
export const ApprovalKind = {
  /**
   * Never sent by the service.
   */
  APPROVAL_KIND_UNSPECIFIED: 'APPROVAL_KIND_UNSPECIFIED',
  /**
   * A data-plane request (`DecisionService`) answered `EFFECT_REQUIRE_APPROVAL`.
   */
  APPROVAL_KIND_DECISION: 'APPROVAL_KIND_DECISION',
  /**
   * A `TokenService.IssueToken` that policy sent for approval; approving mints the token.
   */
  APPROVAL_KIND_TOKEN: 'APPROVAL_KIND_TOKEN',
} as const;

/**
 * What is held.
 */
export type ApprovalKind =
  /**
   * Never sent by the service.
   */
  | 'APPROVAL_KIND_UNSPECIFIED'
  | 0
  /**
   * A data-plane request (`DecisionService`) answered `EFFECT_REQUIRE_APPROVAL`.
   */
  | 'APPROVAL_KIND_DECISION'
  | 1
  /**
   * A `TokenService.IssueToken` that policy sent for approval; approving mints the token.
   */
  | 'APPROVAL_KIND_TOKEN'
  | 2

/**
 * What is held.
 */
export type ApprovalKind__Output = typeof ApprovalKind[keyof typeof ApprovalKind]
