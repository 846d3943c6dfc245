import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AuditSink } from './audit-sink.ts';
import { AuditUnavailableError } from './audit-sink.ts';
import { defaultAuditLogger, type AuditLogger } from './audit-logger.ts';
import { auditMetrics } from './audit-metrics.ts';
import { AppendOnlyFile } from './append-only-file.ts';
import { ChainedAppender, type LineStore } from './chained-appender.ts';
import { chainStateAfter, GENESIS_STATE } from './hash-chain.ts';
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
 * chain from the last line of the same source in the file.
 */
export async function openFileAuditSink(path: string, options: FileAuditSinkOptions): Promise<AuditSink & { readonly path: string }> {
  const full = resolve(path);
  const logger = options.logger ?? defaultAuditLogger();
  let file: AppendOnlyFile;
  try {
    await mkdir(dirname(full), { recursive: true });
    file = await AppendOnlyFile.open(full, {
      fsyncDelayMs: options.fsyncDelayMs,
      onSyncError: (error) => logger.error({ err: String(error), path: full }, 'audit file fsync failed; further appends refused'),
    });
  } catch (error) {
    throw new AuditUnavailableError(`audit file ${full} cannot be opened: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const state = (await file.findLastLine((line) => chainStateAfter(line, options.source))) ?? GENESIS_STATE;
  const store: LineStore = {
    label: `file:${full}`,
    appendLines: (data) => file.append(data),
    close: () => file.close(),
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
