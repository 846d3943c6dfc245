import type { AuditEvent, AuditEventDraft } from '../audit/audit-event.ts';
import type { AuditSink } from '../audit/audit-sink.ts';

/**
 * Accepts every event at once: the "no sink" case isolates the service from audit I/O. The same
 * as bench/decision-service.ts's (not exported there; that file belongs to the decision suite).
 */
export class DiscardingAuditSink implements AuditSink {
  async append(draft: AuditEventDraft): Promise<AuditEvent> {
    return { specversion: '1.0', id: '', source: 'bench', type: draft.type, time: '', subject: draft.subject, datacontenttype: 'application/json', prevhash: '', recordedtime: '', data: draft.data };
  }
  async close(): Promise<void> {}
}
