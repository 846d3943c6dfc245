// Original file: gatehouse/v1/token.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.ts';

/**
 * The answer to `IssueToken`: either a token or a pending approval.
 */
export interface IssueTokenResponse {
  /**
   * The signed scoped token (a JWS compact JWT, EdDSA). Empty while an approval is pending. It is a
   * bearer secret: pass it to the executor only, never log it.
   */
  'token'?: (string);
  /**
   * The token's `jti`, for `IntrospectToken`/`RevokeToken` and in audit events. Empty while pending.
   */
  'token_id'?: (string);
  /**
   * When the token expires. Unset while pending.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Set instead of `token` when policy requires an approval: wait with
   * `ApprovalService.AwaitApproval` (as the same caller) to receive the token once approved.
   */
  'approval_id'?: (string);
  /**
   * The reasons of the `token.issue` decision (e.g. why an approval is required). May be empty.
   */
  'reasons'?: (string)[];
}

/**
 * The answer to `IssueToken`: either a token or a pending approval.
 */
export interface IssueTokenResponse__Output {
  /**
   * The signed scoped token (a JWS compact JWT, EdDSA). Empty while an approval is pending. It is a
   * bearer secret: pass it to the executor only, never log it.
   */
  'token': (string);
  /**
   * The token's `jti`, for `IntrospectToken`/`RevokeToken` and in audit events. Empty while pending.
   */
  'token_id': (string);
  /**
   * When the token expires. Unset while pending.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Set instead of `token` when policy requires an approval: wait with
   * `ApprovalService.AwaitApproval` (as the same caller) to receive the token once approved.
   */
  'approval_id': (string);
  /**
   * The reasons of the `token.issue` decision (e.g. why an approval is required). May be empty.
   */
  'reasons': (string)[];
}
