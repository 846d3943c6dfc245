// Original file: gatehouse/v1/audit.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * `gatehouse.decision.v1`: one answered decision. Written before the answer is returned.
 */
export interface DecisionEventData {
  /**
   * Layout version of this message; 1. Replay refuses (counts as changed) any other.
   */
  'schema_version'?: (number);
  /**
   * The decision's id, as returned in `DecideResponse.decision_id`.
   */
  'decision_id'?: (string);
  /**
   * The caller's idempotency key (`DecideRequest.request_id`).
   */
  'request_id'?: (string);
  /**
   * The data plane session, when the request carried one; null otherwise.
   */
  'session_id'?: (string);
  /**
   * "allow", "deny" or "require_approval".
   */
  'effect'?: (string);
  /**
   * Reasons, each `<engine>:<policy id>: <text>`, redacted like the input.
   */
  'reasons'?: (string)[];
  /**
   * Obligations the data plane must enforce, e.g. `{"mask": ["email"]}`.
   */
  'obligations'?: (_google_protobuf_Struct | null);
  /**
   * Revision of the bundle that decided.
   */
  'policy_revision'?: (string);
  /**
   * Microseconds spent computing facts and evaluating the engines.
   */
  'engine_micros'?: (number | string | Long);
  /**
   * The evaluated request as the engines saw it (docs/architecture.md "The request model"): subject (from
   * the verified token when there was one), action, resource, context with the computed facts,
   * `token` with the verified token facts (never the raw token), and the service `time`.
   * Secrets are redacted and masked values masked; see `redactions`.
   */
  'input'?: (_google_protobuf_Struct | null);
  /**
   * Paths (`input.context.sql.text`, ...) whose value was redacted or masked when recorded.
   */
  'redactions'?: (string)[];
  /**
   * The approval this decision created (require_approval) or was allowed by (a window).
   */
  'approval_id'?: (string);
}

/**
 * `gatehouse.decision.v1`: one answered decision. Written before the answer is returned.
 */
export interface DecisionEventData__Output {
  /**
   * Layout version of this message; 1. Replay refuses (counts as changed) any other.
   */
  'schema_version': (number);
  /**
   * The decision's id, as returned in `DecideResponse.decision_id`.
   */
  'decision_id': (string);
  /**
   * The caller's idempotency key (`DecideRequest.request_id`).
   */
  'request_id': (string);
  /**
   * The data plane session, when the request carried one; null otherwise.
   */
  'session_id': (string);
  /**
   * "allow", "deny" or "require_approval".
   */
  'effect': (string);
  /**
   * Reasons, each `<engine>:<policy id>: <text>`, redacted like the input.
   */
  'reasons': (string)[];
  /**
   * Obligations the data plane must enforce, e.g. `{"mask": ["email"]}`.
   */
  'obligations': (_google_protobuf_Struct__Output | null);
  /**
   * Revision of the bundle that decided.
   */
  'policy_revision': (string);
  /**
   * Microseconds spent computing facts and evaluating the engines.
   */
  'engine_micros': (string);
  /**
   * The evaluated request as the engines saw it (docs/architecture.md "The request model"): subject (from
   * the verified token when there was one), action, resource, context with the computed facts,
   * `token` with the verified token facts (never the raw token), and the service `time`.
   * Secrets are redacted and masked values masked; see `redactions`.
   */
  'input': (_google_protobuf_Struct__Output | null);
  /**
   * Paths (`input.context.sql.text`, ...) whose value was redacted or masked when recorded.
   */
  'redactions': (string)[];
  /**
   * The approval this decision created (require_approval) or was allowed by (a window).
   */
  'approval_id': (string);
}
