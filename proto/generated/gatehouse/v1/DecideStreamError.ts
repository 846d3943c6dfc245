// Original file: gatehouse/v1/decision.proto


/**
 * A per-message error on `DecideStream`. The stream stays open.
 */
export interface DecideStreamError {
  /**
   * A gRPC status code (`google.rpc.Code`): 3 `INVALID_ARGUMENT` for a malformed request, 9
   * `FAILED_PRECONDITION` for a `request_id` reused with a different request, 4
   * `DEADLINE_EXCEEDED`, 14 `UNAVAILABLE` while shutting down. The request was not allowed.
   */
  'code'?: (number);
  /**
   * A one-line message naming the offending field where there is one, e.g. `action: required`.
   */
  'message'?: (string);
}

/**
 * A per-message error on `DecideStream`. The stream stays open.
 */
export interface DecideStreamError__Output {
  /**
   * A gRPC status code (`google.rpc.Code`): 3 `INVALID_ARGUMENT` for a malformed request, 9
   * `FAILED_PRECONDITION` for a `request_id` reused with a different request, 4
   * `DEADLINE_EXCEEDED`, 14 `UNAVAILABLE` while shutting down. The request was not allowed.
   */
  'code': (number);
  /**
   * A one-line message naming the offending field where there is one, e.g. `action: required`.
   */
  'message': (string);
}
