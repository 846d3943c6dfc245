import type { AuditEvent, AuditEventDraft } from './audit-event.ts';
import { GatehouseError } from '../engine/model/index.ts';

export class AuditUnavailableError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GATEHOUSE_AUDIT_UNAVAILABLE', message, options);
    this.name = 'AuditUnavailableError';
  }
}

/**
 * Where audit events go. `append` resolves once the event is durably accepted (written to
 * the file or journal; fsync follows in groups) and rejects with AuditUnavailableError when
 * it cannot be: the caller then fails closed (denies) unless audit is configured optional.
 */
export interface AuditSink {
  append(draft: AuditEventDraft): Promise<AuditEvent>;
  /** Flushes and fsyncs what was appended, stops background shipping. */
  close(): Promise<void>;
}
