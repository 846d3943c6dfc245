// Original file: gatehouse/v1/audit.proto

import type { DecisionEventData as _gatehouse_v1_DecisionEventData, DecisionEventData__Output as _gatehouse_v1_DecisionEventData__Output } from './DecisionEventData.ts';
import type { TokenEventData as _gatehouse_v1_TokenEventData, TokenEventData__Output as _gatehouse_v1_TokenEventData__Output } from './TokenEventData.ts';
import type { ApprovalEventData as _gatehouse_v1_ApprovalEventData, ApprovalEventData__Output as _gatehouse_v1_ApprovalEventData__Output } from './ApprovalEventData.ts';
import type { SessionEventData as _gatehouse_v1_SessionEventData, SessionEventData__Output as _gatehouse_v1_SessionEventData__Output } from './SessionEventData.ts';

/**
 * One audit event: the CloudEvents 1.0 envelope plus Gatehouse's tamper-evidence fields.
 */
export interface AuditEvent {
  /**
   * CloudEvents spec version; always "1.0".
   */
  'specversion'?: (string);
  /**
   * Unique event id (a random UUID). Consumers de-duplicate on it: a record may be delivered
   * more than once after a producer retry, never zero times.
   */
  'id'?: (string);
  /**
   * The emitting instance, e.g. `gatehouse://host-1/serve`. Stable across restarts of that
   * instance; the hash chain is per source.
   */
  'source'?: (string);
  /**
   * `gatehouse.decision.v1`, `gatehouse.token.v1`, `gatehouse.approval.v1` or `gatehouse.session.v1`.
   */
  'type'?: (string);
  /**
   * When it happened (RFC 3339, UTC, millisecond precision): for a decision the service clock the
   * policy saw (`input.time`), for the other types when the sink received the event.
   */
  'time'?: (string);
  /**
   * The session id, or the subject id when there is no session. Also the Kafka record key, so a
   * session's events stay in one partition, in order.
   */
  'subject'?: (string);
  /**
   * Always "application/json".
   */
  'datacontenttype'?: (string);
  /**
   * Position of this event in its source's chain, as a decimal string: "1" for the first event
   * of a chain. (The CloudEvents `sequence` extension.)
   */
  'sequence'?: (string);
  /**
   * sha256, lower-case hex, of the exact UTF-8 bytes of the previous event of the same source as
   * it was written (the whole JSON line, without its newline). 64 zeros for the first event of a chain.
   * A CloudEvents extension, so its name is lower-case letters only (before 0.2.0: `prevHash`).
   */
  'prevhash'?: (string);
  'decision'?: (_gatehouse_v1_DecisionEventData | null);
  'token'?: (_gatehouse_v1_TokenEventData | null);
  'approval'?: (_gatehouse_v1_ApprovalEventData | null);
  'session'?: (_gatehouse_v1_SessionEventData | null);
  /**
   * When the sink recorded the event (ingest time; RFC 3339, UTC). A CloudEvents extension.
   */
  'recordedtime'?: (string);
  /**
   * The event body; which message depends on `type`.
   */
  'data'?: "decision"|"token"|"approval"|"session";
}

/**
 * One audit event: the CloudEvents 1.0 envelope plus Gatehouse's tamper-evidence fields.
 */
export interface AuditEvent__Output {
  /**
   * CloudEvents spec version; always "1.0".
   */
  'specversion': (string);
  /**
   * Unique event id (a random UUID). Consumers de-duplicate on it: a record may be delivered
   * more than once after a producer retry, never zero times.
   */
  'id': (string);
  /**
   * The emitting instance, e.g. `gatehouse://host-1/serve`. Stable across restarts of that
   * instance; the hash chain is per source.
   */
  'source': (string);
  /**
   * `gatehouse.decision.v1`, `gatehouse.token.v1`, `gatehouse.approval.v1` or `gatehouse.session.v1`.
   */
  'type': (string);
  /**
   * When it happened (RFC 3339, UTC, millisecond precision): for a decision the service clock the
   * policy saw (`input.time`), for the other types when the sink received the event.
   */
  'time': (string);
  /**
   * The session id, or the subject id when there is no session. Also the Kafka record key, so a
   * session's events stay in one partition, in order.
   */
  'subject': (string);
  /**
   * Always "application/json".
   */
  'datacontenttype': (string);
  /**
   * Position of this event in its source's chain, as a decimal string: "1" for the first event
   * of a chain. (The CloudEvents `sequence` extension.)
   */
  'sequence': (string);
  /**
   * sha256, lower-case hex, of the exact UTF-8 bytes of the previous event of the same source as
   * it was written (the whole JSON line, without its newline). 64 zeros for the first event of a chain.
   * A CloudEvents extension, so its name is lower-case letters only (before 0.2.0: `prevHash`).
   */
  'prevhash': (string);
  'decision'?: (_gatehouse_v1_DecisionEventData__Output | null);
  'token'?: (_gatehouse_v1_TokenEventData__Output | null);
  'approval'?: (_gatehouse_v1_ApprovalEventData__Output | null);
  'session'?: (_gatehouse_v1_SessionEventData__Output | null);
  /**
   * When the sink recorded the event (ingest time; RFC 3339, UTC). A CloudEvents extension.
   */
  'recordedtime': (string);
  /**
   * The event body; which message depends on `type`.
   */
  'data'?: "decision"|"token"|"approval"|"session";
}
