import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, Message, Producer, ProducerConfig, TopicMessages } from 'kafkajs';
import { AUDIT_TOPICS, type AuditEventType } from './audit-event.ts';
import type { AuditLogger } from './audit-logger.ts';
import type { AuditMetrics } from './audit-metrics.ts';
import type { Journal, JournalPosition } from './journal.ts';
import { createKafkaClient } from './kafka-client.ts';
import type { KafkaConnectionOptions } from './kafka-spec.ts';

const { CompressionTypes, Partitioners } = kafkajs;

/** The shipper's producer (bench/audit-producers.ts measures this same configuration). */
export const SHIPPER_PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  // murmur2 on the key, as the Java client does: one session's events stay in one partition, in order
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
};

/** Lines that are not a Gatehouse event (disk corruption) still ship, to this topic, so nothing vanishes. */
export const UNPARSEABLE_TOPIC = 'gatehouse.audit.unparseable';

export interface KafkaShipperOptions {
  kafka: KafkaConnectionOptions;
  logger: AuditLogger;
  metrics: AuditMetrics;
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
   * a backlog, `drain` and `stop` send without waiting. Only shipping waits: appends are written
   * (and answered) at once.
   */
  lingerMs?: number;
  /**
   * With `compression: 'gzip'`, batches smaller than this many journal bytes are sent
   * uncompressed (default 256 KiB). At service rates a batch is tens of KiB, and gzip
   * (a fresh zlib context per batch, handed to the thread pool) cost more service time than it
   * saved; a backlog ships in batches of up to `batchBytes`, where gzip shrinks the bytes ~6x.
   */
  compressMinBytes?: number;
}

/**
 * Ships journal lines to Kafka: one line = one record value (the exact bytes the hash chain
 * covers), key = the event subject (session id, else subject id), topic per event type. The
 * journal position advances only after the whole batch is acknowledged with acks=all, so a
 * failure re-sends the batch from the same place: duplicates are possible, loss is not.
 */
export class KafkaShipper {
  #kafka: Kafka;
  #producer: Producer | undefined;
  #topicsReady = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failures = 0;
  #position: JournalPosition;
  /** When the oldest unread journal bytes were appended (undefined: nothing unread). */
  #unreadSince: number | undefined;
  #lingering = false;
  /** Callers of `drain`/`stop` waiting: no lingering while they wait. */
  #flushing = 0;
  readonly #batchBytes: number;
  readonly #lingerMs: number;

  constructor(
    private readonly journal: Journal,
    private readonly options: KafkaShipperOptions,
  ) {
    this.#kafka = createKafkaClient(options.kafka, options.logger);
    this.#position = journal.shippedPosition;
    // Uncompressed, a full 1 MiB of lines plus record overhead would pass the broker's default
    // message.max.bytes (1 MiB) when one partition takes the whole batch: stay well below it.
    this.#batchBytes = options.batchBytes ?? (options.kafka.compression === 'gzip' ? 1024 * 1024 : 512 * 1024);
    this.#lingerMs = options.lingerMs ?? 20;
    // a backlog left by an earlier run ships at once
    if (journal.bytesAfter(this.#position) > 0) this.#unreadSince = 0;
    journal.on('appended', () => this.#onAppended());
  }

  #onAppended(): void {
    this.#unreadSince ??= performance.now();
    // while lingering, only a full batch cuts the wait short (waking on every append is the cost lingering avoids)
    if (!this.#lingering || this.journal.bytesAfter(this.#position) >= this.#batchBytes) this.#wake?.();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** True when everything appended so far has been acknowledged. */
  get caughtUp(): boolean {
    return this.journal.unshippedBytes === 0;
  }

  /** Waits until everything appended so far is shipped, or `timeoutMs` passes; resolves whether it did. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#flushing += 1;
    if (this.#lingering) this.#wake?.();
    try {
      while (!this.caughtUp && Date.now() < deadline && !this.#stopped) await sleep(20);
    } finally {
      this.#flushing -= 1;
    }
    return this.caughtUp;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await this.#disconnect();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#linger();
        if (this.#stopped) break;
        const chunk = await this.journal.read(this.#position, this.#batchBytes);
        this.#updateLag();
        if (chunk.lines.length === 0) {
          this.#position = chunk.next;
          if (this.journal.bytesAfter(chunk.next) === 0) this.#unreadSince = undefined;
          await this.#idle();
          continue;
        }
        // what is appended from now on waits its own linger; a remainder (backlog) goes next, at once
        if (this.journal.bytesAfter(chunk.next) === 0) this.#unreadSince = undefined;
        await this.#send(chunk.lines, chunk.bytes);
        await this.journal.commit(chunk.next);
        this.#position = chunk.next;
        this.#failures = 0;
        this.#updateLag();
      } catch (error) {
        if (this.#stopped) break;
        this.#unreadSince = 0; // the retry goes as soon as the backoff ends, without lingering
        this.#failures += 1;
        this.options.metrics.shipErrors.inc();
        this.options.logger.warn(
          { err: error instanceof Error ? error.message : String(error), failures: this.#failures, lagBytes: this.journal.unshippedBytes },
          'audit shipper: batch not acknowledged; the journal keeps it and the batch is retried',
        );
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

  async #send(lines: string[], bytes: number): Promise<void> {
    const producer = await this.#connectedProducer();
    const byTopic = new Map<string, Message[]>();
    for (const line of lines) {
      const { topic, key } = route(line);
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({ key, value: line, headers: { 'content-type': 'application/cloudevents+json' } });
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await producer.sendBatch({
      topicMessages,
      acks: -1,
      timeout: this.options.kafka.requestTimeoutMs,
      compression:
        this.options.kafka.compression === 'gzip' && bytes >= (this.options.compressMinBytes ?? 256 * 1024)
          ? CompressionTypes.GZIP
          : CompressionTypes.None,
    });
    for (const { topic, messages } of topicMessages) this.options.metrics.shipped.inc({ topic }, messages.length);
  }

  async #connectedProducer(): Promise<Producer> {
    if (!this.#topicsReady) {
      await ensureAuditTopics(this.#kafka.admin());
      this.#topicsReady = true;
    }
    if (this.#producer) return this.#producer;
    const producer = this.#kafka.producer(SHIPPER_PRODUCER_CONFIG);
    await producer.connect();
    this.#producer = producer;
    return producer;
  }

  async #disconnect(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  #updateLag(): void {
    this.options.metrics.lagBytes.set(this.journal.unshippedBytes);
    this.options.metrics.journalBytes.set(this.journal.totalBytes);
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

/** Creates the four audit topics (and the unparseable one) when missing, with the broker's defaults. */
export async function ensureAuditTopics(admin: Admin): Promise<void> {
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [...Object.values(AUDIT_TOPICS), UNPARSEABLE_TOPIC].filter((topic) => !existing.has(topic));
    if (wanted.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic })) });
    }
  } finally {
    await admin.disconnect();
  }
}

// Lines written by ChainedAppender start with a fixed field order, so the topic and key can be
// read without parsing the whole event (a large share of the shipper's CPU otherwise).
const HEAD = /^\{"specversion":"1\.0","id":"[^"\\]*","source":"(?:[^"\\]|\\.)*","type":"([a-z.0-9]+)","time":"[^"\\]*","subject":("(?:[^"\\]|\\.)*")/;

function route(line: string): { topic: string; key: string | null } {
  const head = HEAD.exec(line);
  if (head) {
    const topic = AUDIT_TOPICS[head[1] as AuditEventType];
    if (topic) return { topic, key: JSON.parse(head[2]!) as string };
  }
  try {
    const event = JSON.parse(line) as { type?: unknown; subject?: unknown };
    const topic = typeof event.type === 'string' ? AUDIT_TOPICS[event.type as AuditEventType] : undefined;
    if (topic) return { topic, key: typeof event.subject === 'string' ? event.subject : null };
  } catch {
    // falls through to the unparseable topic
  }
  return { topic: UNPARSEABLE_TOPIC, key: null };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
