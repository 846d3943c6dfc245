// Original file: gatehouse/v1/audit.proto


/**
 * `gatehouse.token.v1`: a scoped token issued, redeemed, refused or revoked. Never the token itself.
 */
export interface TokenEventData {
  /**
   * "issued", "used", "refused" or "revoked".
   */
  'kind'?: (string);
  /**
   * The token id (`jti`).
   */
  'token_id'?: (string);
  /**
   * The planner the token was issued to (`sub`).
   */
  'subject'?: (string);
  /**
   * The executor allowed to present it (`act`).
   */
  'executor'?: (string);
  /**
   * Actions the token allows.
   */
  'actions'?: (string)[];
  /**
   * `Type:id` of the resource (`aud`).
   */
  'resource'?: (string);
  /**
   * Expiry, RFC 3339.
   */
  'expires_at'?: (string);
  /**
   * Maximum and current uses.
   */
  'max_uses'?: (number);
  'uses'?: (number);
  /**
   * For "refused": which check failed (signature, expired, audience, action, constraints, revoked, uses).
   */
  'check'?: (string);
  /**
   * The approval the token was minted under, when one was required.
   */
  'approval_id'?: (string);
}

/**
 * `gatehouse.token.v1`: a scoped token issued, redeemed, refused or revoked. Never the token itself.
 */
export interface TokenEventData__Output {
  /**
   * "issued", "used", "refused" or "revoked".
   */
  'kind': (string);
  /**
   * The token id (`jti`).
   */
  'token_id': (string);
  /**
   * The planner the token was issued to (`sub`).
   */
  'subject': (string);
  /**
   * The executor allowed to present it (`act`).
   */
  'executor': (string);
  /**
   * Actions the token allows.
   */
  'actions': (string)[];
  /**
   * `Type:id` of the resource (`aud`).
   */
  'resource': (string);
  /**
   * Expiry, RFC 3339.
   */
  'expires_at': (string);
  /**
   * Maximum and current uses.
   */
  'max_uses': (number);
  'uses': (number);
  /**
   * For "refused": which check failed (signature, expired, audience, action, constraints, revoked, uses).
   */
  'check': (string);
  /**
   * The approval the token was minted under, when one was required.
   */
  'approval_id': (string);
}
