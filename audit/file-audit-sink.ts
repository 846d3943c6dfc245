import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AuditSink } from './audit-sink.ts';
import { AuditUnavailableError } from './audit-sink.ts';
import { defaultAuditLogger, type AuditLogger } from './audit-logger.ts';
import { auditMetrics } from './audit-metrics.ts';
import { AppendOnlyFile } from './append-only-file.ts';
import { ChainedAppender, type LineStore } from './chained-appender.ts';
import { ChainIndexWriter, findChainPosition, readChainIndex } from './chain-index.ts';
import type { ChainState } from './hash-chain.ts';
import { claimLockFile, releaseLockFile } from './journal-lock.ts';
import type { Registry } from 'prom-client';

export interface FileAuditSinkOptions {
  /** CloudEvents `source` of this instance, e.g. `gatehouse://host/serve`; keep it stable across restarts. */
  source: string;
  /** Default true: a write failure rejects `append` (callers deny). */
  required?: boolean;
  fsyncDelayMs?: number;
  logger?: AuditLogger;
  registry?: Registry;
}

/**
 * `file:PATH`: one CloudEvents JSON line per event, appended to PATH, fsync'd in groups (within
 * `fsyncDelayMs`, default 20 ms, well inside the 100 ms promise). A restart continues the hash
 * chain from the last line of the same source in the file, found through the chain position
 * index `PATH.chains` (audit/chain-index.ts). `PATH.lock` keeps a second writer out.
 */
export async function openFileAuditSink(path: string, options: FileAuditSinkOptions): Promise<AuditSink & { readonly path: string }> {
  const full = resolve(path);
  const lock = `${full}.lock`;
  const logger = options.logger ?? defaultAuditLogger();
  let file: AppendOnlyFile;
  try {
    await mkdir(dirname(full), { recursive: true });
    // One writer per file: two would interleave their appends and race on the index.
    await claimLockFile(lock, `audit file ${full}`, 'give each instance its own --audit file:PATH');
  } catch (error) {
    if (error instanceof AuditUnavailableError) throw error;
    throw new AuditUnavailableError(`audit file ${full} cannot be opened: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    file = await AppendOnlyFile.open(full, {
      fsyncDelayMs: options.fsyncDelayMs,
      onSyncError: (error) => logger.error({ err: String(error), path: full }, 'audit file fsync failed; further appends refused'),
    });
  } catch (error) {
    await releaseLockFile(lock);
    throw new AuditUnavailableError(`audit file ${full} cannot be opened: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  let index: ChainIndexWriter;
  let state: ChainState;
  try {
    const position = await file.scan((handle, size) => findChainPosition(handle, full, size, options.source));
    state = position.state;
    const existing = await readChainIndex(full, file.size);
    index = new ChainIndexWriter(full, options.source, { size: file.size, ...(existing ? { chains: existing.chains } : {}) });
    // Recorded at once (also "no line yet"), so the next start reads it from the index.
    index.record(file.size, { end: position.end, scanned: file.size, sequence: state.sequence, prevHash: state.prevHash });
    await index.flush();
  } catch (error) {
    await file.close().catch(() => undefined);
    await releaseLockFile(lock);
    throw new AuditUnavailableError(`audit file ${full}: cannot find this source's chain position: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const store: LineStore = {
    label: `file:${full}`,
    appendLines: async (data, _count, after) => {
      await file.append(data);
      index.appended(file.size, after);
    },
    close: async () => {
      try {
        await file.close();
        await index.close();
      } finally {
        await releaseLockFile(lock);
      }
    },
  };
  const sink = new ChainedAppender(store, state, {
    source: options.source,
    required: options.required ?? true,
    metrics: auditMetrics(options.registry),
    logger,
    sinkName: 'file',
  });
  return Object.assign(sink, { path: full });
}
