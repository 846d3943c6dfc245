// Original file: gatehouse/v1/token.proto


/**
 * A token to inspect.
 */
export interface IntrospectTokenRequest {
  /**
   * Required. The raw scoped token.
   */
  'token'?: (string);
}

/**
 * A token to inspect.
 */
export interface IntrospectTokenRequest__Output {
  /**
   * Required. The raw scoped token.
   */
  'token': (string);
}
