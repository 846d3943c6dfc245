import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface AppendOnlyFileOptions {
  /** Delay between the first unsynced write and its fsync; writes in that window share one fsync. */
  fsyncDelayMs?: number;
  /** Called when an fsync fails; the file then refuses further appends (durability is unknown). */
  onSyncError?: (error: unknown) => void;
}

/**
 * One append-only file of newline-terminated lines, written in groups and fsync'd in groups.
 * `append` is all-or-nothing: a write that fails half-way is cut back, so the file never holds
 * a torn line that a reader (or the hash chain) would trip over. One writer per file.
 */
export class AppendOnlyFile {
  #size: number;
  #syncTimer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> = Promise.resolve();
  #dirty = false;
  #failed: unknown;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    size: number,
    private readonly options: Required<Pick<AppendOnlyFileOptions, 'fsyncDelayMs'>> & AppendOnlyFileOptions,
  ) {
    this.#size = size;
  }

  /** Opens (creating) the file and cuts a torn last line left by a crash mid-write. */
  static async open(path: string, options: AppendOnlyFileOptions = {}): Promise<AppendOnlyFile> {
    const handle = await open(path, 'a+', 0o640);
    try {
      const { size } = await handle.stat();
      const end = await completeLinesEnd(handle, size);
      if (end !== size) await handle.truncate(end);
      // An option passed as undefined must not override the default (spread would copy it).
      return new AppendOnlyFile(path, handle, end, { ...options, fsyncDelayMs: options.fsyncDelayMs ?? 20 });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes of complete lines in the file. */
  get size(): number {
    return this.#size;
  }

  /** Appends `data` (whole lines); resolves when written (not yet fsync'd). */
  append(data: Buffer): Promise<void> {
    const run = this.#tail.then(() => this.#write(data));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #write(data: Buffer): Promise<void> {
    if (this.#failed !== undefined) throw new Error(`an earlier fsync of ${this.path} failed: ${errorText(this.#failed)}`);
    const start = this.#size;
    let written = 0;
    try {
      // A synchronous write: a group of lines lands in the page cache in microseconds, while a
      // thread-pool write costs the waiting decisions two more turns of a busy event loop (the
      // audit file was most of the Decide p99 at half of peak; docs/performance.md). Durability is
      // unchanged: the grouped fdatasync below still runs on the thread pool. A stalled disk now
      // stalls the event loop too (docs/audit.md "Writes"), which every decision waited on anyway.
      while (written < data.length) {
        const bytesWritten = writeSync(this.handle.fd, data, written, data.length - written, null);
        if (bytesWritten === 0) throw new Error('write returned 0 bytes');
        written += bytesWritten;
      }
    } catch (error) {
      if (written > 0) await this.handle.truncate(start).catch(() => undefined);
      throw error;
    }
    this.#size = start + data.length;
    this.#dirty = true;
    this.#scheduleSync();
  }

  #scheduleSync(): void {
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      void this.sync().catch(() => undefined);
    }, this.options.fsyncDelayMs);
  }

  /** fsyncs everything written so far. */
  sync(): Promise<void> {
    this.#syncing = this.#syncing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      try {
        await this.handle.datasync();
      } catch (error) {
        this.#failed = error;
        this.options.onSyncError?.(error);
        throw error;
      }
    });
    return this.#syncing;
  }

  /** The last complete line for which `pick` returns a value, scanning backwards. */
  async findLastLine<T>(pick: (line: string, end: number) => T | undefined): Promise<T | undefined> {
    return findLastLine(this.handle, this.#size, pick);
  }

  /** Runs a read-only scan of the complete lines (no append runs meanwhile). */
  scan<T>(read: (handle: FileHandle, size: number) => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => read(this.handle, this.#size));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#tail;
    try {
      await this.sync();
    } finally {
      await this.handle.close();
    }
  }
}

const CHUNK = 64 * 1024;

async function completeLinesEnd(handle: FileHandle, size: number): Promise<number> {
  let end = size;
  const buffer = Buffer.alloc(CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const at = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/**
 * Scans `[0, size)` backwards line by line; lines are split on raw bytes so UTF-8 stays intact.
 * `pick` also gets the offset just past the line's newline. Linear in the bytes scanned whatever
 * the line lengths and wherever the chunk boundaries fall (`chunkBytes` is a parameter for the
 * property test of exactly that).
 */
export async function findLastLine<T>(
  handle: FileHandle,
  size: number,
  pick: (line: string, end: number) => T | undefined,
  chunkBytes = CHUNK,
): Promise<T | undefined> {
  let end = size;
  // Where the line being assembled ends (its newline, or the end of the scanned range).
  let lineEnd = size;
  // Its bytes read so far, latest chunk first: the line began before the chunks read so far.
  const carry: Buffer[] = [];
  const buffer = Buffer.alloc(chunkBytes);
  const emit = (bytes: Buffer): T | undefined => {
    if (bytes.length === 0) return undefined;
    return pick(bytes.toString('utf8'), Math.min(size, lineEnd + 1));
  };
  while (end > 0) {
    const start = Math.max(0, end - chunkBytes);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    if (bytesRead !== end - start) throw new Error(`short read at ${start}: the file changed while it was scanned`);
    const chunk = buffer.subarray(0, bytesRead);
    let stop = chunk.length;
    while (stop > 0) {
      const at = chunk.lastIndexOf(0x0a, stop - 1);
      if (at < 0) break;
      const piece = chunk.subarray(at + 1, stop);
      const bytes = carry.length > 0 ? Buffer.concat([piece, ...carry.reverse()]) : piece;
      carry.length = 0;
      const found = emit(bytes);
      if (found !== undefined) return found;
      lineEnd = start + at;
      stop = at;
    }
    if (stop > 0) carry.push(Buffer.from(chunk.subarray(0, stop)));
    end = start;
  }
  return carry.length > 0 ? emit(Buffer.concat(carry.reverse())) : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
