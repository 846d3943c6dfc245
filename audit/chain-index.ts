import { readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { findLastLine } from './append-only-file.ts';
import { chainStateAfter, GENESIS_STATE, hashLine, type ChainState } from './hash-chain.ts';

/**
 * The chain position index of an audit file, `FILE.chains`: for each source, the byte offset
 * just past its last line, that line's sequence and hash. A restart reads the index, checks the
 * one line it names (its hash must match) and scans only what was appended after the index was
 * written, so finding the chain position takes time independent of other sources' history.
 * Written atomically (temporary file and rename) at most once a second while appending and at
 * close; a missing, stale or unreadable index falls back to scanning the file backwards.
 */
export interface ChainIndexEntry extends ChainState {
  /** Offset just past the source's last line (its newline). */
  end: number;
  /**
   * The file is known to hold no later line of the source before this offset. A writer keeps
   * its own entry's and (while it holds the lock) the other entries' that were current when it
   * took over; lines a crashed writer appended after its last index write lie after it and are
   * found by a forward scan from here.
   */
  scanned: number;
}

interface ChainIndexFile {
  version: 1;
  /** The file size the entries describe. */
  size: number;
  chains: Record<string, ChainIndexEntry>;
}

export function chainIndexPath(file: string): string {
  return `${file}.chains`;
}

/** Reads the index; undefined when it is missing, malformed or describes more than the file holds. */
export async function readChainIndex(file: string, fileSize: number): Promise<ChainIndexFile | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(chainIndexPath(file), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const index = value as Partial<ChainIndexFile>;
  if (index.version !== 1 || !Number.isSafeInteger(index.size) || typeof index.chains !== 'object' || index.chains === null) return undefined;
  // A file shorter than the index says was truncated or replaced: the index is of no use.
  if (index.size! > fileSize) return undefined;
  for (const entry of Object.values(index.chains)) {
    if (
      !Number.isSafeInteger(entry?.end) ||
      !Number.isSafeInteger(entry.scanned) ||
      entry.end > entry.scanned ||
      entry.scanned > index.size! ||
      !Number.isSafeInteger(entry.sequence) ||
      typeof entry.prevHash !== 'string'
    ) {
      return undefined;
    }
  }
  return index as ChainIndexFile;
}

/**
 * The chain state of `source` in the file: from the index when it checks out (plus a scan of
 * what follows it), else by scanning the file backwards to the source's last line.
 */
export async function findChainPosition(
  handle: FileHandle,
  file: string,
  size: number,
  source: string,
): Promise<{ state: ChainState; end: number; viaIndex: boolean }> {
  const index = await readChainIndex(file, size);
  if (index) {
    const entry = index.chains[source];
    const verified = entry === undefined ? undefined : await verifyEntry(handle, source, entry);
    if (verified) {
      const after = await lastAfter(handle, entry!.scanned, size, source);
      return { ...(after ?? verified), viaIndex: true };
    }
  }
  // No usable entry (no index, a stale one, or one written before this source had an entry):
  // the source's last line, scanning back from the end.
  const found = await findLastLine(handle, size, (line, end) => {
    const state = chainStateAfter(line, source);
    return state ? { state, end } : undefined;
  });
  return { ...(found ?? { state: GENESIS_STATE, end: 0 }), viaIndex: false };
}

/** The entry's line is read back and must hash to the recorded value. */
async function verifyEntry(handle: FileHandle, source: string, entry: ChainIndexEntry): Promise<{ state: ChainState; end: number } | undefined> {
  // (the entry was checked against the file size by readChainIndex)
  // A source with no line before `scanned` is recorded as such: nothing to read back.
  if (entry.end === 0) return entry.sequence === 0 && entry.prevHash === GENESIS_STATE.prevHash ? { state: GENESIS_STATE, end: 0 } : undefined;
  const line = await findLastLine(handle, entry.end, (text) => text);
  if (line === undefined || hashLine(line) !== entry.prevHash) return undefined;
  const state = chainStateAfter(line, source);
  if (!state || state.sequence !== entry.sequence) return undefined;
  return { state, end: entry.end };
}

/** The last line of `source` in `[from, to)`, reading forwards in chunks (lines may span chunks). */
export async function lastAfter(
  handle: FileHandle,
  from: number,
  to: number,
  source: string,
  chunkBytes = 64 * 1024,
): Promise<{ state: ChainState; end: number } | undefined> {
  let found: { state: ChainState; end: number } | undefined;
  const marker = JSON.stringify(source);
  let position = from;
  let pending: Buffer[] = [];
  const buffer = Buffer.alloc(chunkBytes);
  while (position < to) {
    const want = Math.min(chunkBytes, to - position);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    if (bytesRead !== want) throw new Error(`short read at ${position}: the file changed while it was scanned`);
    const chunk = buffer.subarray(0, bytesRead);
    let lineStart = 0;
    for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, lineStart)) {
      const bytes = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(lineStart, at)]) : chunk.subarray(lineStart, at);
      pending = [];
      const end = position + at + 1;
      // Only lines naming the source are parsed: other sources' lines cost a byte search.
      if (bytes.length > 0 && bytes.includes(marker)) {
        const state = chainStateAfter(bytes.toString('utf8'), source);
        if (state) found = { state, end };
      }
      lineStart = at + 1;
    }
    if (lineStart < chunk.length) pending.push(Buffer.from(chunk.subarray(lineStart)));
    position += bytesRead;
  }
  return found;
}

/** Keeps the index of one writer's file up to date: debounced while appending, final at close. */
export class ChainIndexWriter {
  readonly #chains: Record<string, ChainIndexEntry>;
  /** Other sources' entries that were complete when this writer took the file over. */
  readonly #current = new Set<string>();
  #size: number;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;

  constructor(
    private readonly file: string,
    private readonly source: string,
    start: { size: number; chains?: Record<string, ChainIndexEntry> },
    private readonly delayMs = 1000,
  ) {
    this.#chains = { ...(start.chains ?? {}) };
    this.#size = start.size;
    // Nobody else appends while this writer holds the lock: an entry complete up to now stays
    // complete up to wherever this writer's appends take the file.
    for (const [name, entry] of Object.entries(this.#chains)) if (name !== source && entry.scanned === start.size) this.#current.add(name);
  }

  /** Records that the file now ends at `size`, with this source's last line ending there. */
  appended(size: number, state: ChainState): void {
    this.record(size, { end: size, scanned: size, sequence: state.sequence, prevHash: state.prevHash });
  }

  /** Records the file size and, when known, this source's entry; written within the delay. */
  record(size: number, entry: ChainIndexEntry | undefined): void {
    this.#size = size;
    if (entry) this.#chains[this.source] = { ...entry, scanned: size };
    for (const name of this.#current) this.#chains[name] = { ...this.#chains[name]!, scanned: size };
    this.#dirty = true;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.delayMs);
    this.#timer.unref();
  }

  flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      const body: ChainIndexFile = { version: 1, size: this.#size, chains: this.#chains };
      const path = chainIndexPath(this.file);
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(body)}\n`, { mode: 0o640 });
      await rename(temporary, path);
    });
    return this.#writing;
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
