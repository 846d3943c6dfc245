import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Message } from '@platformatic/kafka';
import { AUDIT_TOPICS } from './audit-event.ts';
import { AuditUnavailableError } from './audit-sink.ts';
import { lineFromBinaryRecord } from './cloudevents-kafka-record.ts';
import { kafkaClientOptions, kafkaErrorText } from './kafka-client.ts';
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

/** ListOffsets timestamps: the next offset to be written (high watermark), and the first one kept. */
const LATEST = -1n;
const EARLIEST = -2n;

type RecordMessage = Message<Buffer, Buffer, string, string>;

async function* readKafka(connection: KafkaConnectionOptions, options: ReadSourceOptions): AsyncGenerator<StoredRecord> {
  const unavailable = (error: unknown) =>
    error instanceof AuditUnavailableError ? error : new AuditUnavailableError(`reading the audit topics from Kafka failed: ${kafkaErrorText(error)}`, { cause: error });
  let topics: string[];
  // Loaded here, not at import: the client takes about a second of CPU to load, which every
  // command that only reads files (and every proxy) would otherwise pay at start-up.
  const { Admin, Consumer, stringDeserializer } = await import('@platformatic/kafka');
  const admin = new Admin(kafkaClientOptions(connection, '-reader'));
  try {
    const existing = new Set(await admin.listTopics());
    topics = (options.topics ?? Object.values(AUDIT_TOPICS)).filter((topic) => existing.has(topic));
  } catch (error) {
    throw unavailable(error);
  } finally {
    await admin.close().catch(() => undefined);
  }
  if (topics.length === 0) return;

  // A one-shot read: a throwaway group, nothing committed; records come with headers as text
  // and values as bytes (recordLine decodes them).
  const consumer = new Consumer<Buffer, Buffer, string, string>({
    ...kafkaClientOptions(connection, '-reader'),
    groupId: `gatehouse-reader-${process.pid}-${Date.now()}`,
    deserializers: { headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  try {
    // the end of each partition as of now: reading stops there
    const remaining = new Map<string, bigint>();
    try {
      const [low, high] = await Promise.all([consumer.listOffsets({ topics, timestamp: EARLIEST }), consumer.listOffsets({ topics, timestamp: LATEST })]);
      for (const [topic, ends] of high) {
        ends.forEach((end, partition) => {
          if (end > (low.get(topic)?.[partition] ?? 0n)) remaining.set(`${topic}/${partition}`, end);
        });
      }
    } catch (error) {
      throw unavailable(error);
    }
    if (remaining.size === 0) return;
    const wanted = [...new Set([...remaining.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))];
    let stream: AsyncIterable<RecordMessage> & { close(): Promise<void> };
    try {
      stream = await consumer.consume({ topics: wanted, mode: 'earliest', autocommit: false });
    } catch (error) {
      throw unavailable(error);
    }
    let read = 0;
    try {
      // a lost broker ends the iteration with the client's error (after its retries), not a hang
      for await (const message of stream) {
        const key = `${message.topic}/${message.partition}`;
        const high = remaining.get(key);
        if (high === undefined || message.offset >= high) continue;
        if (message.offset + 1n >= high) remaining.delete(key);
        if (message.value !== undefined && message.value !== null && message.value.length > 0) {
          read += 1;
          if (read % 10_000 === 0) options.onProgress?.(read);
          yield { line: recordLine(message.headers, message.value), origin: `${key}@${message.offset}` };
        }
        if (remaining.size === 0) break;
      }
    } catch (error) {
      throw unavailable(error);
    } finally {
      await stream.close().catch(() => undefined);
    }
    if (remaining.size > 0) throw new AuditUnavailableError(`reading the audit topics from Kafka ended early: ${[...remaining.keys()].join(', ')} not read to the end`);
    options.onProgress?.(read);
  } finally {
    // forced: a stream that failed to start may still be registered with the consumer
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
}

/** The event line of a record: the value (structured mode) or rebuilt from the ce_ headers (binary mode). */
function recordLine(headers: Map<string, string>, value: Buffer): string {
  const text = value.toString('utf8');
  if (!headers.has('ce_specversion')) return text;
  return lineFromBinaryRecord(Object.fromEntries(headers), text) ?? text;
}
