import type { JsonObject } from '../engine/model/index.ts';
import type { AuditEventJsonByType } from '../proto/audit-event-json.ts';

export type {
  ApprovalEventJson,
  AuditEventJsonByType,
  DecisionEventJson,
  SessionEventJson,
  TokenEventJson,
} from '../proto/audit-event-json.ts';

export type AuditEventType =
  | 'gatehouse.decision.v1'
  | 'gatehouse.token.v1'
  | 'gatehouse.approval.v1'
  | 'gatehouse.session.v1';

/** Kafka topic per event type (docs/audit.md "Choosing a sink"). */
export const AUDIT_TOPICS: Record<AuditEventType, string> = {
  'gatehouse.decision.v1': 'gatehouse.decisions',
  'gatehouse.token.v1': 'gatehouse.tokens',
  'gatehouse.approval.v1': 'gatehouse.approvals',
  'gatehouse.session.v1': 'gatehouse.sessions',
};

/**
 * What a producer hands to an AuditSink; the sink stamps id, source, the chain and recordedtime.
 * The sink carries any JSON `data`; the producers build theirs as AuditDraftOf<type>, whose
 * `data` is typed from the audit.proto message of that type.
 */
export interface AuditEventDraft {
  type: AuditEventType;
  /** The session id, or the subject id when there is no session: the Kafka key. */
  subject: string;
  /**
   * When it happened (RFC 3339 UTC), e.g. the service clock a decision was made at; the event's
   * `time`. Absent: the time the sink receives the draft.
   */
  time?: string;
  data: JsonObject;
}

/** A draft of one event type, its `data` typed from audit.proto (proto/audit-event-json.ts). */
export type AuditDraftOf<Type extends AuditEventType> = Omit<AuditEventDraft, 'type' | 'data'> & {
  type: Type;
  data: AuditEventJsonByType[Type];
};

/** A CloudEvents 1.0 JSON event as written to the journal, the file sink and Kafka. */
export interface AuditEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: AuditEventType;
  /** When it happened (event time). */
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  /**
   * CloudEvents `sequence` extension: the decimal position of this event in its source's chain
   * ("1" for the first). Lets `audit verify` tell a deleted event from an edited one.
   */
  sequence?: string;
  /**
   * sha256 (hex) of the previous event line of the same source; chains the instance's events.
   * Lower-case because CloudEvents extension names are lower-case letters and digits (until
   * 0.2.0 it was `prevHash`, which CloudEvents SDKs reject; readers accept both).
   */
  prevhash: string;
  /** When the sink recorded the event (ingest time, RFC 3339 UTC); `time` is when it happened. */
  recordedtime: string;
  data: JsonObject;
}
