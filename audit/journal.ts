import { EventEmitter } from 'node:events';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppendOnlyFile } from './append-only-file.ts';
import { AuditUnavailableError } from './audit-sink.ts';
import { findLastLine } from './append-only-file.ts';
import type { LineStore } from './chained-appender.ts';
import { claimJournalLock, releaseJournalLock } from './journal-lock.ts';

export interface JournalOptions {
  /** Size bound over all segments on disk; an append past it is refused ("audit journal full"). */
  maxBytes?: number;
  /** A segment is closed and a new one started when the next write would pass this size. */
  segmentBytes?: number;
  fsyncDelayMs?: number;
  onSyncError?: (error: unknown) => void;
}

/** A byte position in the journal: segment number and offset within it. */
export interface JournalPosition {
  segment: number;
  offset: number;
}

export interface JournalChunk {
  /** Complete lines, without their newlines. */
  lines: string[];
  /** The position just after the last line returned. */
  next: JournalPosition;
}

const SEGMENT = /^(\d{20})\.jsonl$/;
const POSITION_FILE = 'shipped.json';

function segmentName(n: number): string {
  return `${String(n).padStart(20, '0')}.jsonl`;
}

/**
 * The local audit journal: numbered segment files of event lines in DIR, appended in groups
 * and fsync'd in groups, plus `shipped.json`, the position up to which Kafka acknowledged.
 * Segments before that position are deleted; the newest segment is never deleted (it carries
 * the chain's last line across restarts). One process per directory (DIR/lock).
 */
export class Journal extends EventEmitter implements LineStore {
  readonly label: string;
  /** Sizes of closed segments, by number. */
  #closed = new Map<number, number>();
  #active: AppendOnlyFile;
  #activeNumber: number;
  #shipped: JournalPosition;
  #readHandle: { segment: number; handle: import('node:fs/promises').FileHandle } | undefined;

  private constructor(
    readonly dir: string,
    readonly options: Required<Pick<JournalOptions, 'maxBytes' | 'segmentBytes' | 'fsyncDelayMs'>> & JournalOptions,
    closed: Map<number, number>,
    active: AppendOnlyFile,
    activeNumber: number,
    shipped: JournalPosition,
  ) {
    super();
    this.label = `journal:${dir}`;
    this.#closed = closed;
    this.#active = active;
    this.#activeNumber = activeNumber;
    this.#shipped = shipped;
  }

  static async open(dir: string, options: JournalOptions = {}): Promise<Journal> {
    const full = resolve(dir);
    const settings = { maxBytes: 1024 ** 3, segmentBytes: 16 * 1024 ** 2, fsyncDelayMs: 20, ...options };
    try {
      await mkdir(full, { recursive: true, mode: 0o750 });
      await claimJournalLock(full);
    } catch (error) {
      if (error instanceof AuditUnavailableError) throw error;
      throw new AuditUnavailableError(`audit journal ${full} cannot be opened: ${errorText(error)}`, { cause: error });
    }
    try {
      const numbers = (await readdir(full))
        .map((name) => SEGMENT.exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      const activeNumber = numbers.at(-1) ?? 1;
      const closed = new Map<number, number>();
      for (const n of numbers.slice(0, -1)) closed.set(n, (await stat(join(full, segmentName(n)))).size);
      const active = await AppendOnlyFile.open(join(full, segmentName(activeNumber)), {
        fsyncDelayMs: settings.fsyncDelayMs,
        onSyncError: settings.onSyncError,
      });
      if (numbers.length === 0) await syncDirectory(full);
      const first = numbers[0] ?? activeNumber;
      const shipped = await readPosition(full, first, activeNumber);
      return new Journal(full, settings, closed, active, activeNumber, shipped);
    } catch (error) {
      await releaseJournalLock(full);
      throw new AuditUnavailableError(`audit journal ${full} cannot be opened: ${errorText(error)}`, { cause: error });
    }
  }

  /** Bytes of all segments on disk. */
  get totalBytes(): number {
    let total = this.#active.size;
    for (const size of this.#closed.values()) total += size;
    return total;
  }

  /** Bytes appended but not yet acknowledged by the shipper. */
  get unshippedBytes(): number {
    let total = 0;
    for (const [n, size] of this.#closed) if (n >= this.#shipped.segment) total += size;
    if (this.#activeNumber >= this.#shipped.segment) total += this.#active.size;
    return total - this.#shipped.offset;
  }

  get shippedPosition(): JournalPosition {
    return { ...this.#shipped };
  }

  async appendLines(data: Buffer): Promise<void> {
    if (this.#active.size > 0 && this.#active.size + data.length > this.options.segmentBytes) await this.#rotate();
    if (this.totalBytes + data.length > this.options.maxBytes) {
      await this.#reclaimActive();
      if (this.totalBytes + data.length > this.options.maxBytes) {
        throw new AuditUnavailableError(`audit journal full (${this.options.maxBytes} bytes)`);
      }
    }
    await this.#active.append(data);
    this.emit('appended');
  }

  async #rotate(): Promise<void> {
    const next = await AppendOnlyFile.open(join(this.dir, segmentName(this.#activeNumber + 1)), {
      fsyncDelayMs: this.options.fsyncDelayMs,
      onSyncError: this.options.onSyncError,
    });
    await syncDirectory(this.dir); // the new segment's name must survive a power cut too
    const old = this.#active;
    this.#closed.set(this.#activeNumber, old.size);
    this.#active = next;
    this.#activeNumber += 1;
    await old.close();
    await this.#deleteShipped();
  }

  /** When everything, including the active segment, is shipped, start a new segment to free it. */
  async #reclaimActive(): Promise<void> {
    if (this.#shipped.segment === this.#activeNumber && this.#shipped.offset === this.#active.size && this.#active.size > 0) {
      await this.#rotate();
    }
  }

  /** The complete lines from `from`, at most about `maxBytes` of them (at least one line). */
  async read(from: JournalPosition, maxBytes = 1024 * 1024): Promise<JournalChunk> {
    let position = { ...from };
    for (;;) {
      const size = this.#sizeOf(position.segment);
      if (size === undefined) {
        // the segment is gone (deleted after shipping) or not yet there: move to the next existing one
        const later = [...this.#closed.keys(), this.#activeNumber].filter((n) => n > position.segment).sort((a, b) => a - b)[0];
        if (later === undefined) return { lines: [], next: position };
        position = { segment: later, offset: 0 };
        continue;
      }
      if (position.offset < size) break;
      if (position.segment === this.#activeNumber) return { lines: [], next: position };
      position = { segment: position.segment + 1, offset: 0 };
    }
    const size = this.#sizeOf(position.segment)!;
    const handle = await this.#handleFor(position.segment);
    let want = Math.min(maxBytes, size - position.offset);
    for (;;) {
      const buffer = Buffer.alloc(want);
      const { bytesRead } = await handle.read(buffer, 0, want, position.offset);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end >= 0) {
        const lines = buffer.subarray(0, end).toString('utf8').split('\n').filter((line) => line.length > 0);
        return { lines, next: { segment: position.segment, offset: position.offset + end + 1 } };
      }
      if (want >= size - position.offset) return { lines: [], next: position };
      want = Math.min(want * 2, size - position.offset);
    }
  }

  /** Records that everything before `position` is acknowledged, and deletes shipped segments. */
  async commit(position: JournalPosition): Promise<void> {
    this.#shipped = { ...position };
    const temporary = join(this.dir, `${POSITION_FILE}.tmp`);
    await writeFile(temporary, JSON.stringify(position) + '\n');
    await rename(temporary, join(this.dir, POSITION_FILE));
    await this.#deleteShipped();
  }

  async #deleteShipped(): Promise<void> {
    for (const n of [...this.#closed.keys()]) {
      const fullyShipped = n < this.#shipped.segment || (n === this.#shipped.segment && this.#shipped.offset >= this.#closed.get(n)!);
      if (!fullyShipped) continue;
      if (this.#readHandle?.segment === n) {
        await this.#readHandle.handle.close();
        this.#readHandle = undefined;
      }
      await unlink(join(this.dir, segmentName(n))).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.#closed.delete(n);
    }
  }

  /** The last complete line, newest segment first, for which `pick` returns a value. */
  async findLastLine<T>(pick: (line: string) => T | undefined): Promise<T | undefined> {
    const found = await this.#active.findLastLine(pick);
    if (found !== undefined) return found;
    for (const n of [...this.#closed.keys()].sort((a, b) => b - a)) {
      const handle = await open(join(this.dir, segmentName(n)), 'r');
      try {
        const hit = await findLastLine(handle, this.#closed.get(n)!, pick);
        if (hit !== undefined) return hit;
      } finally {
        await handle.close();
      }
    }
    return undefined;
  }

  #sizeOf(segment: number): number | undefined {
    return segment === this.#activeNumber ? this.#active.size : this.#closed.get(segment);
  }

  async #handleFor(segment: number): Promise<import('node:fs/promises').FileHandle> {
    if (this.#readHandle?.segment === segment) return this.#readHandle.handle;
    await this.#readHandle?.handle.close();
    this.#readHandle = { segment, handle: await open(join(this.dir, segmentName(segment)), 'r') };
    return this.#readHandle.handle;
  }

  async sync(): Promise<void> {
    await this.#active.sync();
  }

  async close(): Promise<void> {
    await this.#readHandle?.handle.close();
    this.#readHandle = undefined;
    try {
      await this.#active.close();
    } finally {
      await releaseJournalLock(this.dir);
    }
  }
}

async function readPosition(dir: string, first: number, active: number): Promise<JournalPosition> {
  const start = { segment: first, offset: 0 };
  let text: string;
  try {
    text = await readFile(join(dir, POSITION_FILE), 'utf8');
  } catch {
    return start;
  }
  try {
    const parsed = JSON.parse(text) as Partial<JournalPosition>;
    const { segment, offset } = parsed;
    // an unreadable or impossible position re-ships from the start: duplicates, never loss
    if (!Number.isSafeInteger(segment) || !Number.isSafeInteger(offset) || segment! > active || offset! < 0) return start;
    if (segment! < first) return start;
    return { segment: segment!, offset: offset! };
  } catch {
    return start;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
