import type { AuditEvent, AuditEventDraft } from './audit-event.ts';

export class AuditUnavailableError extends Error {
  readonly code = 'GATEHOUSE_AUDIT_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
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
