import type { Registry } from 'prom-client';
import type { AuditLogger } from './audit-logger.ts';
import { AuditUnavailableError, type AuditSink } from './audit-sink.ts';
import { openFileAuditSink } from './file-audit-sink.ts';
import { openKafkaAuditSink } from './kafka-audit-sink.ts';
import { parseKafkaSpec, type KafkaConnectionOptions } from './kafka-spec.ts';

export interface CreateAuditSinkOptions {
  /** CloudEvents `source` of this instance (e.g. `gatehouse://host/serve`); stable across restarts. */
  source: string;
  /** Journal directory for `kafka://` (default `var/journal`). */
  journalDir?: string;
  /** Default true. When false, events that cannot be written are dropped (counted, logged). */
  required?: boolean;
  /** Journal size bound in bytes (default 1 GiB); full → append rejects unless required=false. */
  journalMaxBytes?: number;
  /** Journal segment size in bytes before rotation (default 16 MiB). */
  journalSegmentBytes?: number;
  /** fsync group window in ms (default 20; the contract promises ≤100). */
  fsyncDelayMs?: number;
  /** `kafka://`: the whole time `close` may take to ship what is left, stop included (default 3000 ms). */
  closeDrainMs?: number;
  /** TLS/SASL and client options for `kafka://`, merged over the spec's query options. */
  kafka?: Partial<KafkaConnectionOptions>;
  logger?: AuditLogger;
  /** prom-client registry for the audit metrics (default: the global registry). */
  registry?: Registry;
}

/**
 * The one place that turns `--audit` into a sink:
 *   `file:PATH`                         → FileAuditSink (file-audit-sink.ts)
 *   `kafka://HOST:PORT[,HOST:PORT][?…]` → journal + Kafka shipper (kafka-audit-sink.ts)
 * Throws AuditUnavailableError (GATEHOUSE_AUDIT_UNAVAILABLE) when the sink cannot be opened.
 */
export async function createAuditSink(spec: string, options: CreateAuditSinkOptions): Promise<AuditSink> {
  if (!options.source) throw new AuditUnavailableError('audit source must not be empty');
  if (spec.startsWith('file:')) {
    const path = spec.slice('file:'.length);
    if (path === '') throw new AuditUnavailableError(`audit spec '${spec}' names no file; use file:PATH`);
    return openFileAuditSink(path, options);
  }
  if (spec.startsWith('kafka://')) {
    const kafka = { ...parseKafkaSpec(spec), ...options.kafka };
    return openKafkaAuditSink({ ...options, kafka, journalDir: options.journalDir ?? 'var/journal' });
  }
  throw new AuditUnavailableError(`unknown audit spec '${spec}'; use file:PATH or kafka://HOST:PORT[,HOST:PORT]`);
}
