// Original file: gatehouse/v1/approval.proto

import type { Approval as _gatehouse_v1_Approval, Approval__Output as _gatehouse_v1_Approval__Output } from './Approval.ts';

/**
 * The approved approval.
 */
export interface ApproveResponse {
  /**
   * The approval, now `APPROVAL_STATUS_APPROVED`.
   */
  'approval'?: (_gatehouse_v1_Approval | null);
}

/**
 * The approved approval.
 */
export interface ApproveResponse__Output {
  /**
   * The approval, now `APPROVAL_STATUS_APPROVED`.
   */
  'approval': (_gatehouse_v1_Approval__Output | null);
}
