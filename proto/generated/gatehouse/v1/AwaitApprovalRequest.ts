// Original file: gatehouse/v1/approval.proto


/**
 * Which approval to wait for.
 */
export interface AwaitApprovalRequest {
  /**
   * Required. The approval id.
   */
  'approval_id'?: (string);
  /**
   * The `approval_capability` of the require_approval answer that created the approval. Without
   * an `authorization` credential it is required: the stream then carries the outcome only
   * (status, reviewer, comment, times). With a credential it is ignored and the caller must be
   * allowed to view the approval, as for GetApproval.
   */
  'capability'?: (string);
}

/**
 * Which approval to wait for.
 */
export interface AwaitApprovalRequest__Output {
  /**
   * Required. The approval id.
   */
  'approval_id': (string);
  /**
   * The `approval_capability` of the require_approval answer that created the approval. Without
   * an `authorization` credential it is required: the stream then carries the outcome only
   * (status, reviewer, comment, times). With a credential it is ignored and the caller must be
   * allowed to view the approval, as for GetApproval.
   */
  'capability': (string);
}
