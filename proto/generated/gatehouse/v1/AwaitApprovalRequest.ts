// Original file: gatehouse/v1/approval.proto


/**
 * Which approval to wait for.
 */
export interface AwaitApprovalRequest {
  /**
   * Required. The approval id.
   */
  'approval_id'?: (string);
}

/**
 * Which approval to wait for.
 */
export interface AwaitApprovalRequest__Output {
  /**
   * Required. The approval id.
   */
  'approval_id': (string);
}
