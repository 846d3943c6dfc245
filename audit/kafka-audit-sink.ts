import type { Registry } from 'prom-client';
import type { AuditSink } from './audit-sink.ts';
import { defaultAuditLogger, type AuditLogger } from './audit-logger.ts';
import { auditMetrics } from './audit-metrics.ts';
import { ChainedAppender } from './chained-appender.ts';
import { chainStateAfter, GENESIS_STATE } from './hash-chain.ts';
import { Journal } from './journal.ts';
import type { KafkaConnectionOptions } from './kafka-spec.ts';
import { ShipperThread } from './shipper-thread.ts';

/** `--audit-drain-ms` default. */
export const DEFAULT_CLOSE_DRAIN_MS = 3000;

export interface KafkaAuditSinkOptions {
  source: string;
  journalDir: string;
  kafka: KafkaConnectionOptions;
  required?: boolean;
  journalMaxBytes?: number;
  journalSegmentBytes?: number;
  fsyncDelayMs?: number;
  /**
   * The budget of `close`: shipping what is left and stopping the shipper together take at most
   * this long (default 3000 ms); what is not acknowledged by then stays in the journal and ships
   * at the next start.
   */
  closeDrainMs?: number;
  /** Shipper linger: how long a batch may wait for more events after an idle spell (default 20 ms; 0 = none). */
  lingerMs?: number;
  /** With gzip, batches under this many journal bytes go uncompressed (default 256 KiB). */
  compressMinBytes?: number;
  /** Journal bytes per Kafka batch (default 1 MiB). */
  batchBytes?: number;
  /** How often at most `shipped.json` is rewritten (default 100 ms; always on close). */
  positionWriteMs?: number;
  logger?: AuditLogger;
  registry?: Registry;
}

export interface KafkaAuditSink extends AuditSink {
  readonly journal: Journal;
  readonly shipper: ShipperThread;
}

/**
 * `kafka://…`: append-before-answer into the local journal, then a shipper in a worker thread
 * (shipper-thread.ts) sends the journal to Kafka. A broker outage only grows the journal (up to its bound).
 */
export async function openKafkaAuditSink(options: KafkaAuditSinkOptions): Promise<KafkaAuditSink> {
  const logger = options.logger ?? defaultAuditLogger();
  const metrics = auditMetrics(options.registry);
  const journal = await Journal.open(options.journalDir, {
    maxBytes: options.journalMaxBytes,
    segmentBytes: options.journalSegmentBytes,
    fsyncDelayMs: options.fsyncDelayMs,
    onSyncError: (error) => logger.error({ err: String(error), dir: options.journalDir }, 'audit journal fsync failed; further appends refused'),
    positionWriteMs: options.positionWriteMs,
    // the shipper thread reads the segment files (from the page cache); nothing reads this thread's copy
    tailCacheBytes: 0,
    onPositionError: (error) =>
      logger.warn({ err: String(error), dir: options.journalDir }, 'audit journal: shipped.json not written; a restart would re-send more (duplicates, no loss)'),
  });
  const state = (await journal.findLastLine((line) => chainStateAfter(line, options.source))) ?? GENESIS_STATE;
  const shipper = new ShipperThread(journal, {
    kafka: options.kafka,
    logger,
    metrics,
    lingerMs: options.lingerMs,
    compressMinBytes: options.compressMinBytes,
    batchBytes: options.batchBytes,
  });
  metrics.journalBytes.set(journal.totalBytes);
  const appender = new ChainedAppender(
    journal,
    state,
    { source: options.source, required: options.required ?? true, metrics, logger, sinkName: 'journal' },
    async () => {
      await journal.sync();
      const deadline = Date.now() + (options.closeDrainMs ?? DEFAULT_CLOSE_DRAIN_MS);
      // Shipping may use the whole budget; stopping then gets what is left (a batch still in
      // flight when it runs out is abandoned to the journal, not waited for).
      const drained = await shipper.drain(Math.max(0, deadline - Date.now()));
      if (!drained) logger.warn({ lagBytes: journal.unshippedBytes }, 'audit: closing with events not yet shipped; they stay in the journal and ship on next start');
      await shipper.stop(Math.max(0, deadline - Date.now()));
    },
  );
  shipper.start();
  await shipper.ready();
  return Object.assign(appender, { journal, shipper });
}
