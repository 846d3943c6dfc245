// Original file: gatehouse/v1/approval.proto


/**
 * A reviewer's approval.
 */
export interface ApproveRequest {
  /**
   * Required. The approval id.
   */
  'approval_id'?: (string);
  /**
   * A note for the audit trail; optional, at most 1024 characters.
   */
  'comment'?: (string);
  /**
   * For data-plane approvals: for this many seconds after approval, requests with the same binding
   * (same subject, executor, action, resource and text) are allowed without a new approval, the
   * reason naming this approval. 0 (the default) approves this one request only. At most the
   * service's maximum (default 86400). Ignored for token approvals.
   */
  'window_seconds'?: (number);
}

/**
 * A reviewer's approval.
 */
export interface ApproveRequest__Output {
  /**
   * Required. The approval id.
   */
  'approval_id': (string);
  /**
   * A note for the audit trail; optional, at most 1024 characters.
   */
  'comment': (string);
  /**
   * For data-plane approvals: for this many seconds after approval, requests with the same binding
   * (same subject, executor, action, resource and text) are allowed without a new approval, the
   * reason naming this approval. 0 (the default) approves this one request only. At most the
   * service's maximum (default 86400). Ignored for token approvals.
   */
  'window_seconds': (number);
}
