import type { JsonObject } from '../engine/model/json.ts';

export type AuditEventType =
  | 'gatehouse.decision.v1'
  | 'gatehouse.token.v1'
  | 'gatehouse.approval.v1'
  | 'gatehouse.session.v1';

/** Kafka topic per event type (DESIGN.md "Audit events"). */
export const AUDIT_TOPICS: Record<AuditEventType, string> = {
  'gatehouse.decision.v1': 'gatehouse.decisions',
  'gatehouse.token.v1': 'gatehouse.tokens',
  'gatehouse.approval.v1': 'gatehouse.approvals',
  'gatehouse.session.v1': 'gatehouse.sessions',
};

/** What a producer hands to an AuditSink; the sink stamps id, time, source and prevHash. */
export interface AuditEventDraft {
  type: AuditEventType;
  /** The session id, or the subject id when there is no session: the Kafka key. */
  subject: string;
  data: JsonObject;
}

/** A CloudEvents 1.0 JSON event as written to the journal, the file sink and Kafka. */
export interface AuditEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: AuditEventType;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  /**
   * CloudEvents `sequence` extension: the decimal position of this event in its source's chain
   * ("1" for the first). Lets `audit verify` tell a deleted event from an edited one.
   */
  sequence?: string;
  /** sha256 (hex) of the previous event line of the same source; chains the instance's events. */
  prevHash: string;
  data: JsonObject;
}
