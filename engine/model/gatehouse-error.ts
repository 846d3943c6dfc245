import type { ErrorCode } from './error-codes.ts';

/**
 * The one base of every error Gatehouse raises on purpose. Its `code` comes from the closed set
 * in error-codes.ts, so the gRPC edge and the CLI can report it without knowing the class, and
 * its message is one line (reported as is on stderr, in a gRPC status or a PostgreSQL
 * ErrorResponse): line breaks in what a caller passes (a tool's output) are folded to spaces.
 * Anything thrown that is not a GatehouseError is a bug, reported as GATEHOUSE_INTERNAL.
 */
export class GatehouseError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message.includes('\n') ? message.trim().replace(/\s*\n\s*/g, ' ') : message, options);
    this.name = new.target.name;
  }
}
