// Original file: gatehouse/v1/approval.proto

import type { ApprovalKind as _gatehouse_v1_ApprovalKind, ApprovalKind__Output as _gatehouse_v1_ApprovalKind__Output } from './ApprovalKind.ts';
import type { ApprovalStatus as _gatehouse_v1_ApprovalStatus, ApprovalStatus__Output as _gatehouse_v1_ApprovalStatus__Output } from './ApprovalStatus.ts';
import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from './Resource.ts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.ts';

/**
 * One approval.
 */
export interface Approval {
  /**
   * Unique identifier (a UUID), as returned in `DecideResponse.approval_id` or
   * `IssueTokenResponse.approval_id`.
   */
  'approval_id'?: (string);
  /**
   * What is held.
   */
  'kind'?: (_gatehouse_v1_ApprovalKind);
  /**
   * The current state.
   */
  'status'?: (_gatehouse_v1_ApprovalStatus);
  /**
   * The subject of the held request (the planner, for a scoped token).
   */
  'subject'?: (string);
  /**
   * The executor of the held request (`act` of its token); empty when none.
   */
  'executor'?: (string);
  /**
   * The action of the held request (`token.issue` for token approvals).
   */
  'action'?: (string);
  /**
   * The resource of the held request (type and id).
   */
  'resource'?: (_gatehouse_v1_Resource | null);
  /**
   * The raw SQL or shell text of the held request; for token approvals, the requested token
   * (actions, resource, TTL, uses, executor, constraints) as JSON. Empty when the request had none.
   */
  'text'?: (string);
  /**
   * The reasons of the decision that required the approval.
   */
  'reasons'?: (string)[];
  /**
   * The `request_id` of the held request; empty for token approvals.
   */
  'request_id'?: (string);
  /**
   * The decision that required the approval; empty for token approvals.
   */
  'decision_id'?: (string);
  /**
   * The data-plane session of the held request; empty when none.
   */
  'session_id'?: (string);
  /**
   * sha256 (hex) of the canonical JSON of subject, executor, action, resource and text.
   */
  'binding_hash'?: (string);
  /**
   * The identity that asked (for token approvals, the only one that receives the token).
   */
  'requested_by'?: (string);
  /**
   * When it was created.
   */
  'created_at'?: (_google_protobuf_Timestamp | null);
  /**
   * When it expires if still pending.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * When it was resolved; unset while pending.
   */
  'resolved_at'?: (_google_protobuf_Timestamp | null);
  /**
   * The reviewer who approved or denied; empty while pending or when it expired.
   */
  'reviewer'?: (string);
  /**
   * The reviewer's comment; may be empty.
   */
  'comment'?: (string);
  /**
   * For approvals granted with a window: until when requests with the same binding are allowed
   * without asking again (their reason names this approval). Unset otherwise.
   */
  'window_until'?: (_google_protobuf_Timestamp | null);
  /**
   * Why it resolved as it did when no reviewer said so (expiry, token check at release); may be empty.
   */
  'resolution_reason'?: (string);
}

/**
 * One approval.
 */
export interface Approval__Output {
  /**
   * Unique identifier (a UUID), as returned in `DecideResponse.approval_id` or
   * `IssueTokenResponse.approval_id`.
   */
  'approval_id': (string);
  /**
   * What is held.
   */
  'kind': (_gatehouse_v1_ApprovalKind__Output);
  /**
   * The current state.
   */
  'status': (_gatehouse_v1_ApprovalStatus__Output);
  /**
   * The subject of the held request (the planner, for a scoped token).
   */
  'subject': (string);
  /**
   * The executor of the held request (`act` of its token); empty when none.
   */
  'executor': (string);
  /**
   * The action of the held request (`token.issue` for token approvals).
   */
  'action': (string);
  /**
   * The resource of the held request (type and id).
   */
  'resource': (_gatehouse_v1_Resource__Output | null);
  /**
   * The raw SQL or shell text of the held request; for token approvals, the requested token
   * (actions, resource, TTL, uses, executor, constraints) as JSON. Empty when the request had none.
   */
  'text': (string);
  /**
   * The reasons of the decision that required the approval.
   */
  'reasons': (string)[];
  /**
   * The `request_id` of the held request; empty for token approvals.
   */
  'request_id': (string);
  /**
   * The decision that required the approval; empty for token approvals.
   */
  'decision_id': (string);
  /**
   * The data-plane session of the held request; empty when none.
   */
  'session_id': (string);
  /**
   * sha256 (hex) of the canonical JSON of subject, executor, action, resource and text.
   */
  'binding_hash': (string);
  /**
   * The identity that asked (for token approvals, the only one that receives the token).
   */
  'requested_by': (string);
  /**
   * When it was created.
   */
  'created_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * When it expires if still pending.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * When it was resolved; unset while pending.
   */
  'resolved_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * The reviewer who approved or denied; empty while pending or when it expired.
   */
  'reviewer': (string);
  /**
   * The reviewer's comment; may be empty.
   */
  'comment': (string);
  /**
   * For approvals granted with a window: until when requests with the same binding are allowed
   * without asking again (their reason names this approval). Unset otherwise.
   */
  'window_until': (_google_protobuf_Timestamp__Output | null);
  /**
   * Why it resolved as it did when no reviewer said so (expiry, token check at release); may be empty.
   */
  'resolution_reason': (string);
}
