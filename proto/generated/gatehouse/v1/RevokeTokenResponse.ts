// Original file: gatehouse/v1/token.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.ts';

/**
 * The revocation took effect.
 */
export interface RevokeTokenResponse {
  /**
   * The service time of the revocation.
   */
  'revoked_at'?: (_google_protobuf_Timestamp | null);
}

/**
 * The revocation took effect.
 */
export interface RevokeTokenResponse__Output {
  /**
   * The service time of the revocation.
   */
  'revoked_at': (_google_protobuf_Timestamp__Output | null);
}
