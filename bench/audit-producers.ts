/**
 * Part of the audit benchmark (bench/audit-sinks.ts): the shipper's producer, @platformatic/kafka
 * (what audit/kafka-shipper.ts uses, with its options) against kafkajs (what it used until 0.3),
 * on the same batches. Both are
 * configured the way the shipper needs: idempotent, acks=all, one batch in flight, keyed with
 * the Java client's murmur2 partitioning, each batch awaited before the next (the shipper
 * advances its journal position per acknowledged batch). Each run is checked by the topic's
 * high watermarks: exactly the events sent must have been appended.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Producer as PlatformaticProducer, type CompressionAlgorithmValue } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import type { Admin, ProducerConfig } from 'kafkajs';
import { shipperProducerOptions } from '../audit/kafka-shipper.ts';
import { fmt, printTable, summarize, type LatencySummary, type TableRow } from './bench-table.ts';

const { CompressionTypes, Kafka, logLevel, Partitioners } = kafkajs;

/** The configuration the shipper used with kafkajs (until 0.3). */
const KAFKAJS_SHIPPER_CONFIG: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
};

export interface ProducerBatchMessage {
  key: string;
  value: string;
}

export interface ProducerComparisonOptions {
  broker: string;
  /** Journal lines with their keys, already cut into the shipper's batches. */
  batches: ProducerBatchMessage[][];
  compressions: Array<'gzip' | 'none'>;
  /** Codecs only @platformatic/kafka ships (kafkajs needs an extra codec package for them). */
  platformaticOnly?: Array<'lz4'>;
}

interface SendBatch {
  send(messages: ProducerBatchMessage[]): Promise<void>;
  close(): Promise<void>;
}

interface ProducerRun {
  name: string;
  summary: LatencySummary;
  batchSummary: LatencySummary;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  appended: number;
}

const HEADERS = { 'content-type': 'application/cloudevents+json' };

async function kafkajsProducer(broker: string, topic: string, compression: 'gzip' | 'none'): Promise<SendBatch> {
  const kafka = new Kafka({ clientId: 'gatehouse-bench-kafkajs', brokers: [broker], logLevel: logLevel.NOTHING });
  const producer = kafka.producer(KAFKAJS_SHIPPER_CONFIG);
  await producer.connect();
  return {
    async send(messages) {
      await producer.sendBatch({
        topicMessages: [{ topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: HEADERS })) }],
        acks: -1,
        timeout: 30_000,
        compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
    },
    close: () => producer.disconnect(),
  };
}

async function platformaticProducer(broker: string, topic: string, compression: 'gzip' | 'none' | 'lz4'): Promise<SendBatch> {
  const producer = new PlatformaticProducer({
    ...shipperProducerOptions({ brokers: [broker], clientId: 'gatehouse-bench-platformatic', compression: 'none', requestTimeoutMs: 30_000, contentMode: 'structured' }),
    compression: compression as CompressionAlgorithmValue,
  });
  return {
    async send(messages) {
      await producer.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: HEADERS })) });
      if (producer.producerId === undefined) throw new Error('@platformatic/kafka sent without an idempotent producer id');
    },
    close: () => producer.close(),
  };
}

async function appendedSoFar(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

async function timeProducer(name: string, producer: SendBatch, batches: ProducerBatchMessage[][], admin: Admin, topic: string): Promise<ProducerRun> {
  // connection, metadata and the idempotent producer id are set up by a first batch, not timed
  await producer.send(batches[0]!.slice(0, 10));
  const before = await appendedSoFar(admin, topic);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const batchMicros: number[] = [];
  let events = 0;
  loop.enable();
  const started = process.hrtime.bigint();
  for (const batch of batches) {
    const t0 = process.hrtime.bigint();
    await producer.send(batch);
    batchMicros.push(Number(process.hrtime.bigint() - t0) / 1000);
    events += batch.length;
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  loop.disable();
  await producer.close();
  const appended = (await appendedSoFar(admin, topic)) - before;
  const batchSummary = summarize(batchMicros, elapsedMs);
  return {
    name,
    // events/s with the per-batch latencies: a "call" of the shipper is one acknowledged batch
    summary: { ...batchSummary, count: events, perSecond: (events * 1000) / elapsedMs },
    batchSummary,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    appended,
  };
}

/** Produces the same batches with each client and compression; returns the markdown tables. */
export async function compareProducers(options: ProducerComparisonOptions): Promise<{ text: string; runs: ProducerRun[] }> {
  const topic = `gatehouse.bench.producers-${process.pid}-${Date.now()}`;
  const kafka = new Kafka({ clientId: 'gatehouse-bench-admin', brokers: [options.broker], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const runs: ProducerRun[] = [];
  try {
    // three partitions, like the audit topics the shipper creates with the broker's defaults
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    const clients = [
      { label: 'kafkajs 2.2.4', open: kafkajsProducer },
      { label: '@platformatic/kafka 1.35', open: platformaticProducer },
    ];
    for (const compression of options.compressions) {
      for (const client of clients) {
        const producer = await client.open(options.broker, topic, compression);
        runs.push(await timeProducer(`${client.label}, ${compression}`, producer, options.batches, admin, topic));
      }
    }
    for (const compression of options.platformaticOnly ?? []) {
      const producer = await platformaticProducer(options.broker, topic, compression);
      runs.push(await timeProducer(`@platformatic/kafka 1.35, ${compression}`, producer, options.batches, admin, topic));
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  const events = options.batches.reduce((sum, b) => sum + b.length, 0);
  const rows: TableRow[] = runs.map((r) => ({ name: r.name, summary: r.summary }));
  const lines = [
    printTable(
      `Shipper producer: ${fmt(events, 0)} events in ${options.batches.length} batches, idempotent, acks=all, 1 in flight (ops = events; p50/p99 = per acknowledged batch)`,
      rows[0]!.name,
      rows,
    ),
    '| client | events acknowledged (high watermarks) | event-loop delay p99 ms | event-loop delay max ms |',
    '| --- | ---: | ---: | ---: |',
    ...runs.map((r) => `| ${r.name} | ${fmt(r.appended, 0)} of ${fmt(events, 0)} | ${fmt(r.loopDelayP99Ms, 1)} | ${fmt(r.loopDelayMaxMs, 1)} |`),
    '',
  ];
  process.stdout.write(lines.slice(1).join('\n') + '\n');
  return { text: lines.join('\n'), runs };
}
