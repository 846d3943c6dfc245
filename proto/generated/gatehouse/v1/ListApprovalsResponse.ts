// Original file: gatehouse/v1/approval.proto

import type { Approval as _gatehouse_v1_Approval, Approval__Output as _gatehouse_v1_Approval__Output } from './Approval.ts';

/**
 * The approvals, newest first.
 */
export interface ListApprovalsResponse {
  /**
   * The approvals.
   */
  'approvals'?: (_gatehouse_v1_Approval)[];
}

/**
 * The approvals, newest first.
 */
export interface ListApprovalsResponse__Output {
  /**
   * The approvals.
   */
  'approvals': (_gatehouse_v1_Approval__Output)[];
}
