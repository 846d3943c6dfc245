import type { StoredRecord } from './audit-source-reader.ts';
import { GENESIS_PREV_HASH, hashLine } from './hash-chain.ts';

export type ChainProblemKind =
  | 'edited'
  | 'missing'
  | 'unparseable'
  | 'conflicting-duplicate'
  | 'bad-genesis'
  | 'inserted'
  | 'second-genesis'
  | 'sequence-reset';

/** What an operator does to start a chain on purpose; a second chain under one source is never accepted. */
export const NEW_CHAIN_ADVICE =
  'an instance that must start a new chain (lost file or journal) has to be given a new source name (--audit-source)';

export interface ChainProblem {
  kind: ChainProblemKind;
  source?: string;
  /** The event the problem is found at (the successor of an edited or missing event). */
  eventId?: string;
  /** The event that was altered, when it can be named. */
  alteredEventId?: string;
  sequence?: number;
  origin: string;
  detail: string;
}

export interface SourceSummary {
  source: string;
  events: number;
  duplicates: number;
  firstSequence: number;
  lastSequence: number;
  /** Chains started (sequence 1) for this source; more than one is reported as second-genesis. */
  chains: number;
}

export interface ChainReport {
  ok: boolean;
  records: number;
  sources: SourceSummary[];
  problems: ChainProblem[];
}

interface Entry {
  id: string;
  sequence: number;
  prevHash: string;
  hash: string;
  origin: string;
}

/**
 * Checks the prevHash chain of every source in a stored stream (docs/audit.md "Verifying").
 * Records may arrive in any order (Kafka partitions interleave) and more than once (retries):
 * events are placed by their `sequence` and de-duplicated by `id`. An event whose `prevHash`
 * is not the hash of its predecessor names that predecessor as edited; a missing predecessor is
 * a gap. A source has exactly one chain: a second genesis (a forged or restarted chain) and a
 * link back to an earlier event (a sequence reset) are problems. Deleting the newest events of a
 * chain is not detectable from the chain alone.
 */
export async function verifyChain(records: AsyncIterable<StoredRecord>): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  const bySource = new Map<string, { entries: Map<string, Entry>; duplicates: number }>();
  let count = 0;
  for await (const record of records) {
    count += 1;
    const parsed = parse(record.line);
    if (!parsed) {
      problems.push({ kind: 'unparseable', origin: record.origin, detail: `not a Gatehouse audit event: ${record.line.slice(0, 80)}` });
      continue;
    }
    const { source, entry } = parsed(record);
    let group = bySource.get(source);
    if (!group) bySource.set(source, (group = { entries: new Map(), duplicates: 0 }));
    const known = group.entries.get(entry.id);
    if (known === undefined) group.entries.set(entry.id, entry);
    else if (known.hash === entry.hash) group.duplicates += 1;
    else {
      problems.push({
        kind: 'conflicting-duplicate',
        source,
        eventId: entry.id,
        alteredEventId: entry.id,
        sequence: entry.sequence,
        origin: `${known.origin} vs ${entry.origin}`,
        detail: `event ${entry.id} is stored twice with different content: one copy was edited`,
      });
    }
  }

  const sources: SourceSummary[] = [];
  for (const [source, group] of bySource) {
    const entries = [...group.entries.values()];
    const bySequence = new Map<number, Entry[]>();
    for (const entry of entries) {
      const list = bySequence.get(entry.sequence) ?? [];
      list.push(entry);
      bySequence.set(entry.sequence, list);
    }
    const hashes = new Map(entries.map((entry) => [entry.hash, entry]));
    // A writer appends one successor per event: two events naming the same predecessor mean one
    // was inserted (a forged line chained onto a real one verifies on its own).
    const successor = new Map<string, Entry>();
    let chains = 0;
    for (const entry of entries.sort((a, b) => a.sequence - b.sequence)) {
      if (entry.prevHash !== GENESIS_PREV_HASH) {
        const other = successor.get(entry.prevHash);
        if (other === undefined) successor.set(entry.prevHash, entry);
        else {
          problems.push({
            kind: 'inserted',
            source,
            eventId: entry.id,
            sequence: entry.sequence,
            origin: entry.origin,
            detail: `events ${other.id} (${other.origin}) and ${entry.id} (${entry.origin}) both follow the same predecessor at sequence ${entry.sequence}: one was inserted`,
          });
        }
      }
      if (entry.prevHash === GENESIS_PREV_HASH) {
        chains += 1;
        if (entry.sequence !== 1) {
          problems.push({ kind: 'bad-genesis', source, eventId: entry.id, sequence: entry.sequence, origin: entry.origin, detail: `event ${entry.id} starts a chain but has sequence ${entry.sequence}` });
        } else if (chains > 1) {
          problems.push({
            kind: 'second-genesis',
            source,
            eventId: entry.id,
            sequence: entry.sequence,
            origin: entry.origin,
            detail: `event ${entry.id} (${entry.origin}) starts a second chain for source ${source}: a forged chain, or a writer that lost its history; ${NEW_CHAIN_ADVICE}`,
          });
        }
        continue;
      }
      const previous = hashes.get(entry.prevHash);
      if (previous !== undefined && previous.sequence === entry.sequence - 1) continue;
      if (previous !== undefined) {
        problems.push({
          kind: 'sequence-reset',
          source,
          eventId: entry.id,
          sequence: entry.sequence,
          origin: entry.origin,
          detail: `event ${entry.id} (${entry.origin}) has sequence ${entry.sequence} but follows event ${previous.id} at sequence ${previous.sequence}: the sequence was reset or forged; ${NEW_CHAIN_ADVICE}`,
        });
        continue;
      }
      const candidates = bySequence.get(entry.sequence - 1) ?? [];
      if (candidates.length > 0) {
        const altered = candidates[0]!;
        problems.push({
          kind: 'edited',
          source,
          eventId: entry.id,
          alteredEventId: altered.id,
          sequence: entry.sequence - 1,
          origin: altered.origin,
          detail: `event ${altered.id} (sequence ${entry.sequence - 1}, ${altered.origin}) does not hash to the prevHash recorded by event ${entry.id} (sequence ${entry.sequence}): it was edited`,
        });
      } else {
        let first = entry.sequence - 1;
        while (first > 1 && !bySequence.has(first - 1)) first -= 1;
        const range = first === entry.sequence - 1 ? `${first}` : `${first}..${entry.sequence - 1}`;
        problems.push({
          kind: 'missing',
          source,
          eventId: entry.id,
          sequence: entry.sequence - 1,
          origin: entry.origin,
          detail: `event(s) with sequence ${range} before event ${entry.id} (${entry.origin}) are missing: deleted or never delivered`,
        });
      }
    }
    // `entries` is sorted by sequence above; spreading a day of events into Math.min/max would
    // overflow the call stack.
    sources.push({
      source,
      events: entries.length,
      duplicates: group.duplicates,
      firstSequence: entries[0]!.sequence,
      lastSequence: entries[entries.length - 1]!.sequence,
      chains,
    });
  }
  return { ok: problems.length === 0, records: count, sources, problems };
}

function parse(line: string): ((record: StoredRecord) => { source: string; entry: Entry }) | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const sequence = typeof event.sequence === 'string' ? Number.parseInt(event.sequence, 10) : Number.NaN;
  // Events written before 0.2.0 carry the chain link as `prevHash` (not a valid CloudEvents name).
  const prevHash = event.prevhash ?? event.prevHash;
  if (typeof event.id !== 'string' || typeof event.source !== 'string' || typeof prevHash !== 'string' || !Number.isSafeInteger(sequence)) {
    return undefined;
  }
  return (record) => ({
    source: event.source as string,
    entry: { id: event.id as string, sequence, prevHash, hash: hashLine(line), origin: record.origin },
  });
}
