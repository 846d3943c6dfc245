// Original file: gatehouse/v1/audit.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * `gatehouse.approval.v1`: an approval requested, approved, denied or expired.
 */
export interface ApprovalEventData {
  /**
   * "requested", "approved", "denied" or "expired".
   */
  'kind'?: (string);
  'approval_id'?: (string);
  /**
   * What the approval is bound to: subject, executor, action, resource and the raw text (redacted).
   */
  'binding'?: (_google_protobuf_Struct | null);
  /**
   * The reviewer (for approved and denied).
   */
  'reviewer'?: (string);
  /**
   * The reviewer's comment.
   */
  'comment'?: (string);
  /**
   * Seconds during which requests with the same binding are allowed; 0 for a single use.
   */
  'window_seconds'?: (number | string | Long);
  /**
   * When a pending approval expires, RFC 3339.
   */
  'expires_at'?: (string);
  /**
   * What is approved: "request" (a decision's require_approval) or "token" (IssueToken's).
   */
  'approval_kind'?: (string);
  /**
   * The approval's state after this event: "pending", "approved", "denied" or "expired".
   */
  'status'?: (string);
  /**
   * sha256 of the canonical binding; empty when a secret was redacted from the bound text.
   */
  'binding_hash'?: (string);
  /**
   * The subject who asked (the planner, for a token approval).
   */
  'requested_by'?: (string);
  /**
   * The request_id of the decision that asked, when there was one.
   */
  'request_id'?: (string);
  /**
   * The decision that asked for the approval.
   */
  'decision_id'?: (string);
  /**
   * The policy's reasons for requiring it (redacted).
   */
  'reasons'?: (string)[];
  /**
   * When it was approved, denied or expired, RFC 3339.
   */
  'resolved_at'?: (string);
  /**
   * Until when the approval window allows the same binding, RFC 3339.
   */
  'window_until'?: (string);
  /**
   * Why it was resolved that way (e.g. a reviewer policy's reason; redacted).
   */
  'resolution_reason'?: (string);
  /**
   * The scoped token the approved request presented.
   */
  'token_id'?: (string);
  /**
   * The id (`jti`) of the token minted on approval of a token approval; never the token.
   */
  'minted_token_id'?: (string);
}

/**
 * `gatehouse.approval.v1`: an approval requested, approved, denied or expired.
 */
export interface ApprovalEventData__Output {
  /**
   * "requested", "approved", "denied" or "expired".
   */
  'kind': (string);
  'approval_id': (string);
  /**
   * What the approval is bound to: subject, executor, action, resource and the raw text (redacted).
   */
  'binding': (_google_protobuf_Struct__Output | null);
  /**
   * The reviewer (for approved and denied).
   */
  'reviewer': (string);
  /**
   * The reviewer's comment.
   */
  'comment': (string);
  /**
   * Seconds during which requests with the same binding are allowed; 0 for a single use.
   */
  'window_seconds': (string);
  /**
   * When a pending approval expires, RFC 3339.
   */
  'expires_at': (string);
  /**
   * What is approved: "request" (a decision's require_approval) or "token" (IssueToken's).
   */
  'approval_kind': (string);
  /**
   * The approval's state after this event: "pending", "approved", "denied" or "expired".
   */
  'status': (string);
  /**
   * sha256 of the canonical binding; empty when a secret was redacted from the bound text.
   */
  'binding_hash': (string);
  /**
   * The subject who asked (the planner, for a token approval).
   */
  'requested_by': (string);
  /**
   * The request_id of the decision that asked, when there was one.
   */
  'request_id': (string);
  /**
   * The decision that asked for the approval.
   */
  'decision_id': (string);
  /**
   * The policy's reasons for requiring it (redacted).
   */
  'reasons': (string)[];
  /**
   * When it was approved, denied or expired, RFC 3339.
   */
  'resolved_at': (string);
  /**
   * Until when the approval window allows the same binding, RFC 3339.
   */
  'window_until': (string);
  /**
   * Why it was resolved that way (e.g. a reviewer policy's reason; redacted).
   */
  'resolution_reason': (string);
  /**
   * The scoped token the approved request presented.
   */
  'token_id': (string);
  /**
   * The id (`jti`) of the token minted on approval of a token approval; never the token.
   */
  'minted_token_id': (string);
}
