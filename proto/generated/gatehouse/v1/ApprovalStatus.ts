// Original file: gatehouse/v1/approval.proto

/**
 * Where an approval is in its lifecycle.
 */
export const ApprovalStatus = {
  /**
   * Never sent by the service; treat as not approved (deny).
   */
  APPROVAL_STATUS_UNSPECIFIED: 'APPROVAL_STATUS_UNSPECIFIED',
  /**
   * Waiting for a reviewer.
   */
  APPROVAL_STATUS_PENDING: 'APPROVAL_STATUS_PENDING',
  /**
   * A reviewer approved it: the held request may proceed.
   */
  APPROVAL_STATUS_APPROVED: 'APPROVAL_STATUS_APPROVED',
  /**
   * A reviewer denied it, or its token failed the check at release: the request must not proceed.
   */
  APPROVAL_STATUS_DENIED: 'APPROVAL_STATUS_DENIED',
  /**
   * Nobody decided within its time to live: the request must not proceed.
   */
  APPROVAL_STATUS_EXPIRED: 'APPROVAL_STATUS_EXPIRED',
} as const;

/**
 * Where an approval is in its lifecycle.
 */
export type ApprovalStatus =
  /**
   * Never sent by the service; treat as not approved (deny).
   */
  | 'APPROVAL_STATUS_UNSPECIFIED'
  | 0
  /**
   * Waiting for a reviewer.
   */
  | 'APPROVAL_STATUS_PENDING'
  | 1
  /**
   * A reviewer approved it: the held request may proceed.
   */
  | 'APPROVAL_STATUS_APPROVED'
  | 2
  /**
   * A reviewer denied it, or its token failed the check at release: the request must not proceed.
   */
  | 'APPROVAL_STATUS_DENIED'
  | 3
  /**
   * Nobody decided within its time to live: the request must not proceed.
   */
  | 'APPROVAL_STATUS_EXPIRED'
  | 4

/**
 * Where an approval is in its lifecycle.
 */
export type ApprovalStatus__Output = typeof ApprovalStatus[keyof typeof ApprovalStatus]
