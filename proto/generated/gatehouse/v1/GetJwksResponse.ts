// Original file: gatehouse/v1/token.proto

import type { JsonWebKey as _gatehouse_v1_JsonWebKey, JsonWebKey__Output as _gatehouse_v1_JsonWebKey__Output } from './JsonWebKey.ts';

/**
 * A JSON Web Key Set (RFC 7517) of the service's verification keys.
 */
export interface GetJwksResponse {
  /**
   * Keys that verify tokens now: the signing key and keys retired from signing whose tokens may
   * still be valid.
   */
  'keys'?: (_gatehouse_v1_JsonWebKey)[];
}

/**
 * A JSON Web Key Set (RFC 7517) of the service's verification keys.
 */
export interface GetJwksResponse__Output {
  /**
   * Keys that verify tokens now: the signing key and keys retired from signing whose tokens may
   * still be valid.
   */
  'keys': (_gatehouse_v1_JsonWebKey__Output)[];
}
