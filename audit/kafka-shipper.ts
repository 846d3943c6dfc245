import { performance } from 'node:perf_hooks';
import { Admin, compatibilityPartitioner, Producer, stringSerializers, type MessageToProduce, type ProducerOptions } from '@platformatic/kafka';
import { AUDIT_TOPICS, type AuditEventType } from './audit-event.ts';
import type { AuditLogger } from './audit-logger.ts';
import { binaryRecord } from './cloudevents-kafka-record.ts';
import type { JournalChunk, JournalPosition } from './journal.ts';
import { kafkaClientOptions, kafkaErrorText } from './kafka-client.ts';
import { defaultBatchBytes, type KafkaConnectionOptions } from './kafka-spec.ts';

type StringProducer = Producer<string, string, string, string>;
type StringMessage = MessageToProduce<string, string, string, string>;

/**
 * The shipper's producer (bench/audit-producers.ts measures this same configuration):
 * idempotent (the client then sends with acks=all and one request in flight per broker, so a
 * retried request cannot reorder or duplicate records), keys partitioned by murmur2 as the Java
 * client does, so one session's events stay in one partition, in order. The client's own
 * retries are capped (an idempotent producer would otherwise retry for ever): the shipper
 * retries whole batches from the journal.
 */
export function shipperProducerOptions(kafka: KafkaConnectionOptions): ProducerOptions<string, string, string, string> {
  return {
    ...kafkaClientOptions(kafka),
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
    retries: 3,
  };
}

/** Lines that are not a Gatehouse event (disk corruption) still ship, to this topic, so nothing vanishes. */
export const UNPARSEABLE_TOPIC = 'gatehouse.audit.unparseable';

/** What the shipper reads: the journal files, up to the end the appending thread reported. */
export interface ShipperJournal {
  read(from: JournalPosition, maxBytes: number): Promise<JournalChunk>;
  bytesAfter(position: JournalPosition): number;
  /** Called before idling with nothing unread: the next append should call `appended`. */
  awaitAppends?(): void;
}

export interface KafkaShipperOptions {
  kafka: KafkaConnectionOptions;
  logger: AuditLogger;
  /** Where shipping starts: the journal's last acknowledged (committed) position. */
  start: JournalPosition;
  /** A batch up to `next` was acknowledged (acks=all); `shipped` counts its events by topic. */
  onAcknowledged: (next: JournalPosition, shipped: Array<[string, number]>) => void;
  /** A batch was not acknowledged; it is retried from the same position. */
  onFailure: (error: string, failures: number) => void;
  /**
   * Raw journal bytes per send (default 1 MiB with gzip, 512 KiB without; the broker's
   * message.max.bytes, 1 MiB by default, bounds each partition's record batch as sent).
   */
  batchBytes?: number;
  /** Idle poll interval when nothing new was appended (default 200 ms). */
  pollMs?: number;
  /**
   * How long the first event appended after the shipper caught up may wait for others to join
   * its batch (default 20 ms, like Kafka's linger.ms; 0 sends at once). A full batch (`batchBytes`),
   * a backlog, a flush (drain) and `stop` send without waiting. Only shipping waits: appends are
   * written (and answered) at once.
   */
  lingerMs?: number;
  /**
   * With `compression: 'gzip'`, batches smaller than this many journal bytes are sent
   * uncompressed (default 256 KiB). At service rates a batch is tens of KiB, and gzip
   * (a fresh zlib context per batch) cost more than it saved; a backlog ships in batches of up
   * to `batchBytes`, where gzip shrinks the bytes ~6x.
   */
  compressMinBytes?: number;
}

/**
 * Ships journal lines to Kafka: one line = one record value (the exact bytes the hash chain
 * covers), key = the event subject (session id, else subject id), topic per event type. The
 * position advances (and `onAcknowledged` is told) only after the whole batch is acknowledged
 * with acks=all, so a failure re-sends the batch from the same place: duplicates are possible,
 * loss is not. Runs in the shipper thread (shipper-worker.ts); `ShipperThread` is the service side.
 */
export class KafkaShipper {
  #producer: StringProducer | undefined;
  #topicsReady = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failures = 0;
  #position: JournalPosition;
  /** When the oldest unread journal bytes were appended (undefined: nothing unread). */
  #unreadSince: number | undefined;
  #lingering = false;
  /** Drains waiting on the service side: no lingering while they wait. */
  #flushing = 0;
  readonly #batchBytes: number;
  readonly #lingerMs: number;

  constructor(
    private readonly journal: ShipperJournal,
    private readonly options: KafkaShipperOptions,
  ) {
    this.#position = { ...options.start };
    this.#batchBytes = options.batchBytes ?? defaultBatchBytes(options.kafka);
    this.#lingerMs = options.lingerMs ?? 20;
    // a backlog left by an earlier run (or thread) ships at once
    if (journal.bytesAfter(this.#position) > 0) this.#unreadSince = 0;
  }

  /** New lines were appended (sent when the shipper asked to be woken, or a batch is full). */
  appended(): void {
    this.#unreadSince ??= performance.now();
    // while lingering, only a full batch cuts the wait short (waking on every append is the cost lingering avoids)
    if (!this.#lingering || this.journal.bytesAfter(this.#position) >= this.#batchBytes) this.#wake?.();
  }

  /** Someone waits for everything to be shipped (+1) or stopped waiting (-1). */
  flushing(delta: number): void {
    this.#flushing = Math.max(0, this.#flushing + delta);
    if (this.#flushing > 0 && this.#lingering) this.#wake?.();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Finishes the batch in flight (its acknowledgement is reported), then disconnects. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await this.#disconnect();
  }

  async #run(): Promise<void> {
    await this.#warmUp();
    while (!this.#stopped) {
      try {
        await this.#linger();
        if (this.#stopped) break;
        const chunk = await this.journal.read(this.#position, this.#batchBytes);
        if (chunk.lines.length === 0) {
          this.#position = chunk.next;
          if (this.journal.bytesAfter(chunk.next) === 0) {
            this.#unreadSince = undefined;
            this.journal.awaitAppends?.();
            // an append between the check and the flag is seen here rather than after the poll interval
            if (this.journal.bytesAfter(chunk.next) === 0) await this.#idle();
          } else {
            await this.#idle(); // bytes but no complete line yet (a torn write left by a crash): never spin
          }
          continue;
        }
        // what is appended from now on waits its own linger; a remainder (backlog) goes next, at once.
        // Judged by the end the read saw: lines appended while it read are not a backlog.
        const rest = chunk.end ? (samePosition(chunk.next, chunk.end) ? 0 : 1) : this.journal.bytesAfter(chunk.next);
        if (rest === 0) this.#unreadSince = undefined;
        const shipped = await this.#send(chunk.lines, chunk.bytes);
        this.#position = chunk.next;
        this.#failures = 0;
        this.options.onAcknowledged(chunk.next, shipped);
      } catch (error) {
        if (this.#stopped) break;
        this.#unreadSince = 0; // the retry goes as soon as the backoff ends, without lingering
        this.#failures += 1;
        this.options.onFailure(kafkaErrorText(error), this.#failures);
        // A fresh producer after a failure: the old one's sequence state may be stale after a broker restart.
        await this.#disconnect();
        await this.#sleepUnlessStopped(Math.min(200 * 2 ** Math.min(this.#failures, 5), 5000));
      }
    }
  }

  /**
   * Waits until the oldest unread event is `lingerMs` old, a batch is full, or someone drains or
   * stops, so that a trickle of appends ships as one batch rather than one batch per append.
   */
  async #linger(): Promise<void> {
    // lines appended while the last batch was in flight (nobody was told) linger from now
    if (this.#unreadSince === undefined && this.journal.bytesAfter(this.#position) > 0) this.#unreadSince = performance.now();
    for (;;) {
      const since = this.#unreadSince;
      if (since === undefined || this.#stopped || this.#flushing > 0) return;
      const left = since + this.#lingerMs - performance.now();
      if (left <= 0 || this.journal.bytesAfter(this.#position) >= this.#batchBytes) return;
      this.#lingering = true;
      try {
        await this.#sleepUnlessStopped(Math.ceil(left));
      } finally {
        this.#lingering = false;
      }
    }
  }

  async #send(lines: string[], bytes: number): Promise<Array<[string, number]>> {
    const producer = await this.#connectedProducer();
    const binaryMode = this.options.kafka.contentMode === 'binary';
    const messages: StringMessage[] = new Array(lines.length);
    const counts = new Map<string, number>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const { topic, key } = route(line);
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
      const binary = binaryMode ? binaryRecord(line) : undefined;
      messages[i] = binary ? { topic, key, value: binary.value, headers: binary.headers } : { topic, key, value: line, headers: STRUCTURED_HEADERS };
    }
    // One send per batch, awaited before the next: the journal position advances only past
    // what the broker acknowledged (acks=all), so order in each partition is journal order.
    await producer.send({
      messages,
      compression: this.options.kafka.compression === 'gzip' && bytes >= (this.options.compressMinBytes ?? 256 * 1024) ? 'gzip' : 'none',
    });
    if (producer.producerId === undefined) throw new Error('the Kafka producer sent without an idempotent producer id');
    return [...counts];
  }

  async #connectedProducer(): Promise<StringProducer> {
    if (!this.#topicsReady) {
      await ensureAuditTopics(this.options.kafka);
      this.#topicsReady = true;
    }
    // the client connects on the first send (and gets its producer id then)
    this.#producer ??= new Producer(shipperProducerOptions(this.options.kafka));
    return this.#producer;
  }

  /**
   * Checks the topics, connects and gets the idempotent producer id before the first batch, so
   * that the first events appended (or a close right after them) do not wait for all of that. A
   * failure here is left to the first send, which reports it and retries.
   */
  async #warmUp(): Promise<void> {
    try {
      await (await this.#connectedProducer()).initIdempotentProducer({});
    } catch (error) {
      this.options.logger.warn({ err: kafkaErrorText(error) }, 'audit shipper: Kafka not reachable at start; events wait in the journal and the first batch retries');
      await this.#disconnect();
    }
  }

  async #disconnect(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.close().catch(() => undefined);
  }

  #idle(): Promise<void> {
    return this.#sleepUnlessStopped(this.options.pollMs ?? 200);
  }

  #sleepUnlessStopped(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

const STRUCTURED_HEADERS = { 'content-type': 'application/cloudevents+json' };
/** How long topic creation may take to elect the new partitions' leaders. */
const LEADERS_TIMEOUT_MS = 30_000;

/** Creates the four audit topics (and the unparseable one) when missing, with the broker's defaults, and waits for their leaders. */
export async function ensureAuditTopics(kafka: KafkaConnectionOptions): Promise<void> {
  const admin = new Admin(kafkaClientOptions(kafka, '-admin'));
  try {
    const all = [...Object.values(AUDIT_TOPICS), UNPARSEABLE_TOPIC];
    const existing = new Set(await admin.listTopics());
    const wanted = all.filter((topic) => !existing.has(topic));
    if (wanted.length === 0) return;
    try {
      await admin.createTopics({ topics: wanted });
    } catch (error) {
      // another writer may have created them in between: only what is still missing is an error
      const now = new Set(await admin.listTopics());
      if (wanted.some((topic) => !now.has(topic))) throw error;
    }
    await waitForLeaders(admin, wanted);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Until every partition of `topics` has a leader (a send to a fresh topic fails before then). */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    const metadata = await admin.metadata({ topics, forceUpdate: true });
    const ready = topics.every((topic) => {
      const partitions = metadata.topics.get(topic)?.partitions ?? [];
      return partitions.length > 0 && partitions.every((partition) => partition !== undefined && partition.leader >= 0);
    });
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`audit topics ${topics.join(', ')} have no partition leaders after ${LEADERS_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Lines written by ChainedAppender start with a fixed field order, so the topic and key can be
// read without parsing the whole event (a large share of the shipper's CPU otherwise).
const HEAD = /^\{"specversion":"1\.0","id":"[^"\\]*","source":"(?:[^"\\]|\\.)*","type":"([a-z.0-9]+)","time":"[^"\\]*","subject":("(?:[^"\\]|\\.)*")/;

function route(line: string): { topic: string; key: string | undefined } {
  const head = HEAD.exec(line);
  if (head) {
    const topic = AUDIT_TOPICS[head[1] as AuditEventType];
    if (topic) return { topic, key: JSON.parse(head[2]!) as string };
  }
  try {
    const event = JSON.parse(line) as { type?: unknown; subject?: unknown };
    const topic = typeof event.type === 'string' ? AUDIT_TOPICS[event.type as AuditEventType] : undefined;
    if (topic) return { topic, key: typeof event.subject === 'string' ? event.subject : undefined };
  } catch {
    // falls through to the unparseable topic
  }
  return { topic: UNPARSEABLE_TOPIC, key: undefined };
}

function samePosition(a: JournalPosition, b: JournalPosition): boolean {
  return a.segment === b.segment && a.offset === b.offset;
}
