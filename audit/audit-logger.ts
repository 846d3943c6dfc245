import { pino } from 'pino';

/** The slice of a pino logger the audit parts use; pass the service's logger to share its output. */
export interface AuditLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

let fallback: AuditLogger | undefined;

export function defaultAuditLogger(): AuditLogger {
  fallback ??= pino({ name: 'gatehouse-audit', level: process.env.GATEHOUSE_LOG_LEVEL ?? 'info' }, pino.destination(2));
  return fallback;
}
