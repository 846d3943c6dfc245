import { ProtocolViolation } from './wire/message-framer.ts';
import type { FrontendMessage } from './wire/frontend-messages.ts';

/**
 * What one client session may make the proxy hold. Each bound is checked where the bytes
 * arrive, before they are kept, so a session's memory stays below (roughly) the sum of these
 * whatever the client sends; past a bound that session ends with FATAL 54000 and no other
 * session notices (docs/postgres-proxy.md, "Memory and limits").
 */
export interface SessionLimits {
  /** One client message (type byte, length and body). */
  maxMessageBytes: number;
  /** Extended-protocol messages held before the Sync or Flush that ends their batch. */
  maxBatchBytes: number;
  maxBatchMessages: number;
  /** The SQL text of one Query or Parse, in bytes. */
  maxStatementBytes: number;
  /** Named prepared statements and portals the session keeps (text, names, parameters). */
  maxPreparedBytes: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxMessageBytes: 2 * 1024 * 1024,
  maxBatchBytes: 4 * 1024 * 1024,
  maxBatchMessages: 10_000,
  maxStatementBytes: 1_000_000,
  maxPreparedBytes: 4 * 1024 * 1024,
};

/** Bookkeeping per kept object beyond its bytes (map entries, names, the decoded copy). */
const ENTRY_OVERHEAD = 64;

const exceeded = (what: string): ProtocolViolation => new ProtocolViolation(`gatehouse: ${what}; session closed`, '54000');

/**
 * Counts what a session has sent and not yet had answered (the current batch) and what it
 * keeps (prepared statements and portals, by client name). Throws a 54000 ProtocolViolation
 * the moment a bound is passed.
 */
export class SessionBudget {
  private batchBytes = 0;
  private batchMessages = 0;
  private readonly kept = new Map<string, number>();
  private keptBytes = 0;

  constructor(private readonly limits: SessionLimits) {}

  /** One decoded client message and the size of its frame. */
  admit(message: FrontendMessage, frameBytes: number): void {
    switch (message.type) {
      case 'Query':
        this.checkStatement(message.sql);
        this.endBatch();
        // A simple Query destroys the unnamed statement and portal.
        this.forget('S:');
        this.forget('P:');
        return;
      case 'Parse':
        this.checkStatement(message.sql);
        this.addToBatch(frameBytes);
        this.keep(`S:${message.name}`, frameBytes);
        return;
      case 'Bind':
        this.addToBatch(frameBytes);
        this.keep(`P:${message.portal}`, frameBytes);
        return;
      case 'Close':
        this.addToBatch(frameBytes);
        this.forget(`${message.target}:${message.name}`);
        return;
      case 'Describe':
      case 'Execute':
        this.addToBatch(frameBytes);
        return;
      case 'Sync':
      case 'Flush':
        this.endBatch();
        return;
      default:
        return;
    }
  }

  private checkStatement(sql: string): void {
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > this.limits.maxStatementBytes) {
      throw exceeded(`statement text of ${bytes} bytes exceeds the limit of ${this.limits.maxStatementBytes} bytes`);
    }
  }

  private addToBatch(frameBytes: number): void {
    this.batchBytes += frameBytes;
    this.batchMessages++;
    if (this.batchBytes > this.limits.maxBatchBytes) {
      throw exceeded(`more than ${this.limits.maxBatchBytes} bytes of extended-protocol messages were sent without Sync or Flush`);
    }
    if (this.batchMessages > this.limits.maxBatchMessages) {
      throw exceeded(`more than ${this.limits.maxBatchMessages} extended-protocol messages were sent without Sync or Flush`);
    }
  }

  private endBatch(): void {
    this.batchBytes = 0;
    this.batchMessages = 0;
  }

  private keep(key: string, frameBytes: number): void {
    this.forget(key);
    const bytes = frameBytes + ENTRY_OVERHEAD;
    this.kept.set(key, bytes);
    this.keptBytes += bytes;
    if (this.keptBytes > this.limits.maxPreparedBytes) {
      throw exceeded(`prepared statements and portals of this session exceed ${this.limits.maxPreparedBytes} bytes; close (DEALLOCATE) those no longer needed`);
    }
  }

  private forget(key: string): void {
    const bytes = this.kept.get(key);
    if (bytes === undefined) return;
    this.kept.delete(key);
    this.keptBytes -= bytes;
  }
}
