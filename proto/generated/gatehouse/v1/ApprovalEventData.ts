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
}
