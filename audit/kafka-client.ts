import kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig, LogEntry } from 'kafkajs';
import type { AuditLogger } from './audit-logger.ts';
import type { KafkaConnectionOptions } from './kafka-spec.ts';

const { Kafka: KafkaClass, logLevel } = kafkajs;

/** A kafkajs client for the given connection options, logging warnings and errors through `logger`. */
export function createKafkaClient(options: KafkaConnectionOptions, logger: AuditLogger, clientIdSuffix = ''): Kafka {
  const config: KafkaConfig = {
    clientId: options.clientId + clientIdSuffix,
    brokers: options.brokers,
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: 3000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      // We cap retries on purpose and retry whole batches ourselves (duplicates, never loss).
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const line = { kafka: entry.namespace, ...pickSafe(extra) };
      if (entry.level === logLevel.ERROR) logger.error(line, `kafka: ${message}`);
      else logger.warn(line, `kafka: ${message}`);
    },
  };
  if (options.ssl !== undefined) config.ssl = options.ssl;
  if (options.sasl !== undefined) {
    const { mechanism, username, password } = options.sasl;
    config.sasl = { mechanism, username, password } as KafkaConfig['sasl'];
  }
  return new KafkaClass(config);
}

// kafkajs log entries carry broker, error and retry fields; never pass through anything that could hold credentials.
function pickSafe(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['broker', 'error', 'retryCount', 'retryTime', 'topic', 'groupId', 'clientId']) {
    if (extra[key] !== undefined) out[key] = String(extra[key]);
  }
  return out;
}
