import * as crypto from 'node:crypto';
import type { AuditEvent, AuditEventDraft } from './audit-event.ts';

/**
 * The tamper-evidence chain of one event source (docs/audit.md "The prevHash chain").
 *
 * - Each event's `prevhash` is the sha256 (lower-case hex) of the exact UTF-8 bytes of the
 *   previous event line of the same `source`, without its trailing newline.
 * - The first event of a chain has `prevhash` = GENESIS_PREV_HASH (64 zeros) and `sequence` "1".
 * - `sequence` (the CloudEvents sequence extension, a decimal string) counts the source's events,
 *   so a verifier can tell an edited event (its successor's prevHash no longer matches) from a
 *   deleted one (a sequence number is missing).
 * - A restarted writer continues from the last complete line of its own source in the file or
 *   journal it appends to (see readLastChainLine); when there is none it starts a new chain.
 */
export const GENESIS_PREV_HASH = '0'.repeat(64);

export interface ChainState {
  prevHash: string;
  /** Sequence number of the last event written; 0 before the first. */
  sequence: number;
}

export const GENESIS_STATE: ChainState = { prevHash: GENESIS_PREV_HASH, sequence: 0 };

/** One-shot hashing (Node ≥ 20.12) skips the Hash object a digest per line otherwise costs. */
const oneShot: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function hashLine(line: string): string {
  return oneShot ? oneShot('sha256', line, 'hex') : crypto.createHash('sha256').update(line, 'utf8').digest('hex');
}

/** The draft stamped with the fields that do not depend on the chain position. */
export interface PendingEvent {
  id: string;
  /** When it happened: the producer's `draft.time`, else when the sink received it. */
  time: string;
  /** When the sink received it (the `recordedtime` extension: ingest time). */
  recordedtime: string;
  draft: AuditEventDraft;
}

/** Builds the event and its line at the given chain position; pure, so a failed write can be retried. */
export function chainEvent(
  pending: PendingEvent,
  source: string,
  state: ChainState,
): { event: AuditEvent; line: string; next: ChainState } {
  const sequence = state.sequence + 1;
  const event: AuditEvent = {
    specversion: '1.0',
    id: pending.id,
    source,
    type: pending.draft.type,
    time: pending.time,
    subject: pending.draft.subject,
    datacontenttype: 'application/json',
    sequence: String(sequence),
    prevhash: state.prevHash,
    recordedtime: pending.recordedtime,
    data: pending.draft.data,
  };
  const line = JSON.stringify(event);
  return { event, line, next: { prevHash: hashLine(line), sequence } };
}

/** The chain state that continues after `line`, or undefined when it is not an event of `source`. */
export function chainStateAfter(line: string, source: string): ChainState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record.source !== source) return undefined;
  const sequence = typeof record.sequence === 'string' ? Number.parseInt(record.sequence, 10) : Number.NaN;
  return { prevHash: hashLine(line), sequence: Number.isSafeInteger(sequence) && sequence > 0 ? sequence : 0 };
}
