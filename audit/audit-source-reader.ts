import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AUDIT_TOPICS } from './audit-event.ts';
import { defaultAuditLogger, type AuditLogger } from './audit-logger.ts';
import { AuditUnavailableError } from './audit-sink.ts';
import { lineFromBinaryRecord } from './cloudevents-kafka-record.ts';
import { createKafkaClient } from './kafka-client.ts';
import { AuditConfigError, parseKafkaSpec, type KafkaConnectionOptions } from './kafka-spec.ts';

/** One stored event as read back: the exact line (file) or record value (Kafka), and where it was. */
export interface StoredRecord {
  line: string;
  /** `PATH:LINE` or `TOPIC/PARTITION@OFFSET`. */
  origin: string;
}

export interface ReadSourceOptions {
  /** Kafka topics to read (default: the four audit topics). Ignored for files. */
  topics?: string[];
  kafka?: Partial<KafkaConnectionOptions>;
  logger?: AuditLogger;
  /** Called now and then with the number of records read so far. */
  onProgress?: (read: number) => void;
}

/**
 * Reads every event stored in `file:PATH` or on the audit topics of `kafka://…` as they are at the
 * time of the call (Kafka: up to each partition's high watermark; nothing is committed).
 */
export async function* readAuditSource(spec: string, options: ReadSourceOptions = {}): AsyncGenerator<StoredRecord> {
  if (spec.startsWith('file:')) {
    yield* readFile(spec.slice('file:'.length), options);
    return;
  }
  if (spec.startsWith('kafka://')) {
    yield* readKafka({ ...parseKafkaSpec(spec), ...options.kafka }, options);
    return;
  }
  throw new AuditConfigError(`unknown audit source '${spec}'; use file:PATH or kafka://HOST:PORT`);
}

async function* readFile(path: string, options: ReadSourceOptions): AsyncGenerator<StoredRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n += 1;
      if (n % 10_000 === 0) options.onProgress?.(n);
      if (line.length > 0) yield { line, origin: `${path}:${n}` };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AuditConfigError(`audit source file ${path} does not exist`);
    throw error;
  }
  options.onProgress?.(n);
}

async function* readKafka(connection: KafkaConnectionOptions, options: ReadSourceOptions): AsyncGenerator<StoredRecord> {
  const logger = options.logger ?? defaultAuditLogger();
  const kafka = createKafkaClient(connection, logger, '-reader');
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const topics = (options.topics ?? Object.values(AUDIT_TOPICS)).filter((topic) => existing.has(topic));
  // the end of each partition as of now: reading stops there
  const remaining = new Map<string, bigint>();
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) {
      const high = BigInt(partition.high);
      const low = BigInt(partition.low);
      if (high > low) remaining.set(`${topic}/${partition.partition}`, high);
    }
  }
  await admin.disconnect();
  if (remaining.size === 0) return;

  const consumer = kafka.consumer({ groupId: `gatehouse-reader-${process.pid}-${Date.now()}`, allowAutoTopicCreation: false });
  const buffered: StoredRecord[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  let read = 0;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  // kafkajs reports a consumer stopped by a lost broker only as a CRASH event (run() has long
  // resolved), then restarts it for ever or leaves it dead: either way the records this read
  // waits for never come. A one-shot read fails instead, with the reason.
  consumer.on(consumer.events.CRASH, (event) => {
    const error = event.payload.error;
    failure ??= new AuditUnavailableError(`reading the audit topics from Kafka failed: ${error.message}`, { cause: error });
    notify();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set([...remaining.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))], fromBeginning: true });
    void consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const key = `${batch.topic}/${batch.partition}`;
          const high = remaining.get(key);
          if (high === undefined) return;
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= high) break;
            if (message.value) buffered.push({ line: recordLine(message.headers, message.value), origin: `${key}@${message.offset}` });
            if (BigInt(message.offset) + 1n >= high) remaining.delete(key);
          }
          notify();
        },
      })
      .catch((error: unknown) => {
        failure = error;
        notify();
      });
    while (remaining.size > 0 || buffered.length > 0) {
      if (buffered.length === 0) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const record = buffered.shift()!;
      read += 1;
      if (read % 10_000 === 0) options.onProgress?.(read);
      yield record;
    }
    options.onProgress?.(read);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** The event line of a record: the value (structured mode) or rebuilt from the ce_ headers (binary mode). */
function recordLine(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined, value: Buffer): string {
  const text = value.toString('utf8');
  if (!headers || headers.ce_specversion === undefined) return text;
  const strings: Record<string, string | undefined> = {};
  for (const [name, header] of Object.entries(headers)) {
    const single = Array.isArray(header) ? header[0] : header;
    strings[name] = single === undefined ? undefined : single.toString();
  }
  return lineFromBinaryRecord(strings, text) ?? text;
}
