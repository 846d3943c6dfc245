// Original file: gatehouse/v1/audit.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

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
  /**
   * For "issued": the constraints the token carries (redacted like decision input).
   */
  'constraints'?: (_google_protobuf_Struct | null);
  /**
   * For "refused" by policy: the policy's reasons (redacted).
   */
  'reasons'?: (string)[];
  /**
   * Who asked: the caller of IssueToken ("refused") or RevokeToken ("revoked").
   */
  'requested_by'?: (string);
  /**
   * For "revoked" by subject: every token of this subject was revoked.
   */
  'revoked_subject'?: (string);
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
  /**
   * For "issued": the constraints the token carries (redacted like decision input).
   */
  'constraints': (_google_protobuf_Struct__Output | null);
  /**
   * For "refused" by policy: the policy's reasons (redacted).
   */
  'reasons': (string)[];
  /**
   * Who asked: the caller of IssueToken ("refused") or RevokeToken ("revoked").
   */
  'requested_by': (string);
  /**
   * For "revoked" by subject: every token of this subject was revoked.
   */
  'revoked_subject': (string);
}
