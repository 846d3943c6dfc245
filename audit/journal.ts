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
  /**
   * `shipped.json` is rewritten at most this often (default 100 ms) and on close. It only ever
   * holds an acknowledged position, so a crash re-sends at most this window (duplicates, never loss).
   */
  positionWriteMs?: number;
  /** Called when `shipped.json` cannot be written; the write is tried again at the next commit. */
  onPositionError?: (error: unknown) => void;
  /** Recently appended bytes kept in memory so the shipper reads them without file I/O (default 4 MiB). */
  tailCacheBytes?: number;
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
  /** Journal bytes the lines cover (with their newlines). */
  bytes: number;
  /** The end of the journal as the reader knew it when reading (JournalReader sets it). */
  end?: JournalPosition;
}

/** Bytes appended to the active segment, in append order, covering `[start, start + bytes)`. */
interface TailCache {
  segment: number;
  start: number;
  bytes: number;
  chunks: Buffer[];
}

const SEGMENT = /^(\d{20})\.jsonl$/;
const POSITION_FILE = 'shipped.json';

export function segmentName(n: number): string {
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
  #tail: TailCache;
  /** The position last written to shipped.json (or read from it at open). */
  #persisted: JournalPosition;
  #positionWrite: Promise<void> = Promise.resolve();
  #positionTimer: NodeJS.Timeout | undefined;
  #lastPositionWrite = 0;

  private constructor(
    readonly dir: string,
    readonly options: Required<Pick<JournalOptions, 'maxBytes' | 'segmentBytes' | 'fsyncDelayMs' | 'positionWriteMs' | 'tailCacheBytes'>> &
      JournalOptions,
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
    this.#persisted = { ...shipped };
    this.#tail = { segment: activeNumber, start: active.size, bytes: 0, chunks: [] };
  }

  static async open(dir: string, options: JournalOptions = {}): Promise<Journal> {
    const full = resolve(dir);
    const settings: Journal['options'] = {
      maxBytes: 1024 ** 3,
      segmentBytes: 16 * 1024 ** 2,
      fsyncDelayMs: 20,
      positionWriteMs: 100,
      tailCacheBytes: 4 * 1024 ** 2,
      // an option passed as `undefined` (as the sink passes unset flags) keeps its default
      ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
    };
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

  /** Bytes appended after `position` (what a reader at `position` has not read yet). */
  bytesAfter(position: JournalPosition): number {
    let total = 0;
    for (const [n, size] of this.#closed) {
      if (n > position.segment) total += size;
      else if (n === position.segment) total += size - position.offset;
    }
    if (this.#activeNumber > position.segment) total += this.#active.size;
    else if (this.#activeNumber === position.segment) total += this.#active.size - position.offset;
    return total;
  }

  get shippedPosition(): JournalPosition {
    return { ...this.#shipped };
  }

  /** Where the next append goes: the active segment and its size (a reader may read up to here). */
  get endPosition(): JournalPosition {
    return { segment: this.#activeNumber, offset: this.#active.size };
  }

  async appendLines(data: Buffer): Promise<void> {
    if (this.#active.size > 0 && this.#active.size + data.length > this.options.segmentBytes) await this.#rotate();
    if (this.totalBytes + data.length > this.options.maxBytes) {
      await this.#reclaimActive();
      if (this.totalBytes + data.length > this.options.maxBytes) {
        throw new AuditUnavailableError(`audit journal full (${this.options.maxBytes} bytes)`);
      }
    }
    const file = this.#active;
    const offset = file.size;
    await file.append(data);
    this.#remember(file, offset, data);
    this.emit('appended', data.length);
  }

  /** Keeps `data`, just written at `offset` of `file`, in the tail cache, within its bound. */
  #remember(file: AppendOnlyFile, offset: number, data: Buffer): void {
    // Appends are not expected to overlap (ChainedAppender writes one group at a time); if they
    // ever do, `offset` may be stale, so the cache restarts empty rather than risk wrong bytes.
    if (file !== this.#active || file.size !== offset + data.length || data.length > this.options.tailCacheBytes) {
      this.#tail = { segment: this.#activeNumber, start: this.#active.size, bytes: 0, chunks: [] };
      return;
    }
    const tail = this.#tail;
    if (tail.segment !== this.#activeNumber || tail.start + tail.bytes !== offset) {
      this.#tail = { segment: this.#activeNumber, start: offset, bytes: 0, chunks: [] };
    }
    this.#tail.chunks.push(data);
    this.#tail.bytes += data.length;
    while (this.#tail.bytes > this.options.tailCacheBytes) this.#dropTailChunk();
  }

  #dropTailChunk(): void {
    const dropped = this.#tail.chunks.shift()!;
    this.#tail.start += dropped.length;
    this.#tail.bytes -= dropped.length;
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
        if (later === undefined) return { lines: [], next: position, bytes: 0 };
        position = { segment: later, offset: 0 };
        continue;
      }
      if (position.offset < size) break;
      if (position.segment === this.#activeNumber) return { lines: [], next: position, bytes: 0 };
      position = { segment: position.segment + 1, offset: 0 };
    }
    const size = this.#sizeOf(position.segment)!;
    const cached = this.#readTail(position, maxBytes);
    if (cached) return cached;
    const handle = await this.#handleFor(position.segment);
    let want = Math.min(maxBytes, size - position.offset);
    for (;;) {
      const buffer = Buffer.alloc(want);
      const { bytesRead } = await handle.read(buffer, 0, want, position.offset);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end >= 0) {
        const lines = buffer.subarray(0, end).toString('utf8').split('\n').filter((line) => line.length > 0);
        return { lines, next: { segment: position.segment, offset: position.offset + end + 1 }, bytes: end + 1 };
      }
      if (want >= size - position.offset) return { lines: [], next: position, bytes: 0 };
      want = Math.min(want * 2, size - position.offset);
    }
  }

  /**
   * Whole appended chunks from the memory tail, starting at `from` (a line boundary). Chunks are
   * whole lines, so no partial line can come from here; undefined when `from` is not cached.
   */
  #readTail(from: JournalPosition, maxBytes: number): JournalChunk | undefined {
    const tail = this.#tail;
    if (tail.segment !== from.segment || from.offset < tail.start || from.offset >= tail.start + tail.bytes) return undefined;
    let at = tail.start;
    let i = 0;
    while (at + tail.chunks[i]!.length <= from.offset) at += tail.chunks[i++]!.length;
    // the first chunk alone may pass maxBytes (one large group write): then the file path cuts it by lines
    const parts = [tail.chunks[i]!.subarray(from.offset - at)];
    let bytes = parts[0]!.length;
    if (bytes > maxBytes) return undefined;
    for (i += 1; i < tail.chunks.length && bytes + tail.chunks[i]!.length <= maxBytes; i++) {
      parts.push(tail.chunks[i]!);
      bytes += tail.chunks[i]!.length;
    }
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes)).toString('utf8');
    const lines = text.split('\n');
    lines.pop(); // the text ends with a newline
    return { lines: lines.filter((line) => line.length > 0), next: { segment: from.segment, offset: from.offset + bytes }, bytes };
  }

  /**
   * Records that everything before `position` is acknowledged, and deletes shipped segments.
   * `shipped.json` follows within `positionWriteMs` (and on close): until then a restart resumes
   * from an earlier acknowledged position and re-sends, which the design allows (duplicates, no loss).
   */
  async commit(position: JournalPosition): Promise<void> {
    this.#shipped = { ...position };
    while (this.#tail.bytes > 0 && this.#tail.segment === position.segment && this.#tail.start + this.#tail.chunks[0]!.length <= position.offset) {
      this.#dropTailChunk();
    }
    this.#schedulePositionWrite();
    await this.#deleteShipped();
  }

  #schedulePositionWrite(): void {
    if (this.#positionTimer !== undefined) return;
    const wait = Math.max(0, this.#lastPositionWrite + this.options.positionWriteMs - Date.now());
    this.#positionTimer = setTimeout(() => {
      this.#positionTimer = undefined;
      void this.#writePosition();
    }, wait);
  }

  /** Writes the current acknowledged position to shipped.json (one write at a time, in order). */
  #writePosition(): Promise<void> {
    this.#positionWrite = this.#positionWrite.then(async () => {
      const position = { ...this.#shipped };
      if (position.segment === this.#persisted.segment && position.offset === this.#persisted.offset) return;
      this.#lastPositionWrite = Date.now();
      try {
        const temporary = join(this.dir, `${POSITION_FILE}.tmp`);
        await writeFile(temporary, JSON.stringify(position) + '\n');
        await rename(temporary, join(this.dir, POSITION_FILE));
        this.#persisted = position;
      } catch (error) {
        this.options.onPositionError?.(error);
      }
    });
    return this.#positionWrite;
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
    if (this.#positionTimer !== undefined) clearTimeout(this.#positionTimer);
    this.#positionTimer = undefined;
    await this.#readHandle?.handle.close();
    this.#readHandle = undefined;
    this.#tail = { segment: this.#activeNumber, start: this.#active.size, bytes: 0, chunks: [] };
    try {
      await this.#writePosition();
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
