// Original file: gatehouse/v1/approval.proto


/**
 * A reviewer's denial.
 */
export interface DenyRequest {
  /**
   * Required. The approval id.
   */
  'approval_id'?: (string);
  /**
   * A note for the audit trail; optional, at most 1024 characters.
   */
  'comment'?: (string);
}

/**
 * A reviewer's denial.
 */
export interface DenyRequest__Output {
  /**
   * Required. The approval id.
   */
  'approval_id': (string);
  /**
   * A note for the audit trail; optional, at most 1024 characters.
   */
  'comment': (string);
}
