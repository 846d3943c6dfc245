// Original file: gatehouse/v1/approval.proto

import type { Approval as _gatehouse_v1_Approval, Approval__Output as _gatehouse_v1_Approval__Output } from './Approval.ts';

/**
 * The approval.
 */
export interface GetApprovalResponse {
  /**
   * The approval.
   */
  'approval'?: (_gatehouse_v1_Approval | null);
}

/**
 * The approval.
 */
export interface GetApprovalResponse__Output {
  /**
   * The approval.
   */
  'approval': (_gatehouse_v1_Approval__Output | null);
}
