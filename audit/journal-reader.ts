import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalChunk, JournalPosition } from './journal.ts';
import { segmentName } from './journal.ts';
import { SharedJournalEnd } from './shared-journal-end.ts';

/**
 * A read-only view of a journal directory for the shipper thread: it reads the segment files
 * (the journal on disk is the single source of truth) up to the end the appending thread last
 * published in shared memory, never past it, so it only ever sees whole, written lines. It neither appends nor
 * deletes: the owning Journal commits positions and deletes shipped segments.
 */
export class JournalReader {
  #shared: SharedJournalEnd;
  #handle: { segment: number; handle: FileHandle } | undefined;

  constructor(
    readonly dir: string,
    shared: SharedArrayBuffer,
  ) {
    this.#shared = new SharedJournalEnd(shared);
  }

  get end(): JournalPosition {
    return this.#shared.read();
  }

  /** About to wait for appends: the appending thread posts a wake-up at its next append. */
  awaitAppends(): void {
    this.#shared.setWaiting();
  }

  /**
   * Bytes known to be appended after `position`. Sizes of segments in between are not known
   * here, so a reader a segment or more behind is reported as a full backlog (`Infinity`).
   */
  bytesAfter(position: JournalPosition): number {
    const end = this.#shared.read();
    if (position.segment === end.segment) return Math.max(0, end.offset - position.offset);
    return position.segment < end.segment ? Number.POSITIVE_INFINITY : 0;
  }

  /** The complete lines from `from`, at most about `maxBytes` of them (at least one line). */
  async read(from: JournalPosition, maxBytes: number): Promise<JournalChunk> {
    let position = { ...from };
    const known = this.#shared.read();
    for (;;) {
      if (position.segment > known.segment) return { lines: [], next: position, bytes: 0 };
      const active = position.segment === known.segment;
      if (active && position.offset >= known.offset) return { lines: [], next: position, bytes: 0 };
      const handle = await this.#handleFor(position.segment);
      if (handle === undefined) {
        // deleted after shipping, or never there (numbering starts above 1): try the next one
        if (active) return { lines: [], next: position, bytes: 0 };
        position = { segment: position.segment + 1, offset: 0 };
        continue;
      }
      const limit = active ? known.offset - position.offset : Number.POSITIVE_INFINITY;
      let want = Math.min(maxBytes, limit);
      for (;;) {
        const buffer = Buffer.alloc(want);
        const { bytesRead } = await handle.read(buffer, 0, want, position.offset);
        const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (end >= 0) {
          const lines = buffer.subarray(0, end).toString('utf8').split('\n').filter((line) => line.length > 0);
          return { lines, next: { segment: position.segment, offset: position.offset + end + 1 }, bytes: end + 1, end: known };
        }
        if (bytesRead < want || want >= limit) break; // the end of what can be read here
        want = Math.min(want * 2, limit);
      }
      // a closed segment read to its end (a partial last line never gets completed there): next segment
      if (active) return { lines: [], next: position, bytes: 0 };
      position = { segment: position.segment + 1, offset: 0 };
    }
  }

  async #handleFor(segment: number): Promise<FileHandle | undefined> {
    if (this.#handle?.segment === segment) return this.#handle.handle;
    await this.close();
    try {
      this.#handle = { segment, handle: await open(join(this.dir, segmentName(segment)), 'r') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return this.#handle.handle;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.handle.close().catch(() => undefined);
  }
}
