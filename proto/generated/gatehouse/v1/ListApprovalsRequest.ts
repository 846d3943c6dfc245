// Original file: gatehouse/v1/approval.proto

import type { ApprovalStatus as _gatehouse_v1_ApprovalStatus, ApprovalStatus__Output as _gatehouse_v1_ApprovalStatus__Output } from './ApprovalStatus.ts';

/**
 * Which approvals to list.
 */
export interface ListApprovalsRequest {
  /**
   * Only approvals in this state; `APPROVAL_STATUS_UNSPECIFIED` (the default) lists all.
   */
  'status'?: (_gatehouse_v1_ApprovalStatus);
  /**
   * At most this many, 1 to 1000; 0 (the default) means 100.
   */
  'limit'?: (number);
}

/**
 * Which approvals to list.
 */
export interface ListApprovalsRequest__Output {
  /**
   * Only approvals in this state; `APPROVAL_STATUS_UNSPECIFIED` (the default) lists all.
   */
  'status': (_gatehouse_v1_ApprovalStatus__Output);
  /**
   * At most this many, 1 to 1000; 0 (the default) means 100.
   */
  'limit': (number);
}
