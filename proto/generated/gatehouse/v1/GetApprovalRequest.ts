// Original file: gatehouse/v1/approval.proto


/**
 * Which approval.
 */
export interface GetApprovalRequest {
  /**
   * Required. The approval id.
   */
  'approval_id'?: (string);
}

/**
 * Which approval.
 */
export interface GetApprovalRequest__Output {
  /**
   * Required. The approval id.
   */
  'approval_id': (string);
}
