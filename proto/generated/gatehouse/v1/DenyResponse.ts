// Original file: gatehouse/v1/approval.proto

import type { Approval as _gatehouse_v1_Approval, Approval__Output as _gatehouse_v1_Approval__Output } from './Approval.ts';

/**
 * The denied approval.
 */
export interface DenyResponse {
  /**
   * The approval, now `APPROVAL_STATUS_DENIED`.
   */
  'approval'?: (_gatehouse_v1_Approval | null);
}

/**
 * The denied approval.
 */
export interface DenyResponse__Output {
  /**
   * The approval, now `APPROVAL_STATUS_DENIED`.
   */
  'approval': (_gatehouse_v1_Approval__Output | null);
}
