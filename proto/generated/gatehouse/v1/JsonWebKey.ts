// Original file: gatehouse/v1/token.proto


/**
 * One public key (RFC 7517 / RFC 8037 for Ed25519).
 */
export interface JsonWebKey {
  /**
   * Key type: always `OKP`.
   */
  'kty'?: (string);
  /**
   * Curve: always `Ed25519`.
   */
  'crv'?: (string);
  /**
   * The public key, base64url.
   */
  'x'?: (string);
  /**
   * Key id (the RFC 7638 thumbprint); a token's header `kid` names its key.
   */
  'kid'?: (string);
  /**
   * Algorithm: always `EdDSA`.
   */
  'alg'?: (string);
  /**
   * Use: always `sig`.
   */
  'use'?: (string);
}

/**
 * One public key (RFC 7517 / RFC 8037 for Ed25519).
 */
export interface JsonWebKey__Output {
  /**
   * Key type: always `OKP`.
   */
  'kty': (string);
  /**
   * Curve: always `Ed25519`.
   */
  'crv': (string);
  /**
   * The public key, base64url.
   */
  'x': (string);
  /**
   * Key id (the RFC 7638 thumbprint); a token's header `kid` names its key.
   */
  'kid': (string);
  /**
   * Algorithm: always `EdDSA`.
   */
  'alg': (string);
  /**
   * Use: always `sig`.
   */
  'use': (string);
}
