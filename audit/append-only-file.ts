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
      while (written < data.length) {
        const { bytesWritten } = await this.handle.write(data, written, data.length - written, null);
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
  async findLastLine<T>(pick: (line: string) => T | undefined): Promise<T | undefined> {
    return findLastLine(this.handle, this.#size, pick);
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

/** Scans `[0, size)` backwards line by line; lines are split on raw bytes so UTF-8 stays intact. */
export async function findLastLine<T>(
  handle: FileHandle,
  size: number,
  pick: (line: string) => T | undefined,
): Promise<T | undefined> {
  let end = size;
  let carry = Buffer.alloc(0);
  const buffer = Buffer.alloc(CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    let block = Buffer.concat([buffer.subarray(0, bytesRead), carry]);
    // block always ends at a line boundary (or at `size`, which is one)
    let stop = block.length;
    if (block[stop - 1] === 0x0a) stop -= 1;
    for (;;) {
      const at = block.lastIndexOf(0x0a, stop - 1);
      if (at < 0) break;
      const line = block.subarray(at + 1, stop).toString('utf8');
      if (line.length > 0) {
        const found = pick(line);
        if (found !== undefined) return found;
      }
      stop = at;
    }
    carry = block.subarray(0, stop);
    block = Buffer.alloc(0);
    end = start;
  }
  if (carry.length > 0) return pick(carry.toString('utf8'));
  return undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
