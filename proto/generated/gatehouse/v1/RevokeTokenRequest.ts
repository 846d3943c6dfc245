// Original file: gatehouse/v1/token.proto


/**
 * What to revoke: exactly one of the two.
 */
export interface RevokeTokenRequest {
  /**
   * One token by its `jti`.
   */
  'token_id'?: (string);
  /**
   * Every token whose `sub` is this subject and that was issued up to the moment of revocation.
   * Tokens issued afterwards are not affected.
   */
  'subject'?: (string);
  /**
   * The target. Unset is `INVALID_ARGUMENT`.
   */
  'target'?: "token_id"|"subject";
}

/**
 * What to revoke: exactly one of the two.
 */
export interface RevokeTokenRequest__Output {
  /**
   * One token by its `jti`.
   */
  'token_id'?: (string);
  /**
   * Every token whose `sub` is this subject and that was issued up to the moment of revocation.
   * Tokens issued afterwards are not affected.
   */
  'subject'?: (string);
  /**
   * The target. Unset is `INVALID_ARGUMENT`.
   */
  'target'?: "token_id"|"subject";
}
