import kafkajs from 'kafkajs';
import { AUDIT_TOPICS } from '../../audit/audit-event.ts';
import { waitUntil } from '../support/wait-until.ts';

export interface ConsumedRecord {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Where each audit topic ends now: a test takes it before producing and reads from there. */
export type TopicOffsets = Map<string, { partition: number; offset: string }[]>;

export async function auditTopicEnds(broker: string): Promise<TopicOffsets> {
  const kafka = new kafkajs.Kafka({ clientId: 'audit-test-offsets', brokers: [broker], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends: TopicOffsets = new Map();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of Object.values(AUDIT_TOPICS)) {
      if (!existing.has(topic)) continue; // created later by the shipper: read it from the start
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, offsets.map(({ partition, high }) => ({ partition, offset: high })));
    }
  } finally {
    await admin.disconnect();
  }
  return ends;
}

/**
 * An independent consumer (plain kafkajs, not Gatehouse's reader): reads the audit topics from
 * `from` (the ends taken before the test produced; the beginning where absent) until `done` says
 * enough was seen or `timeoutMs` passes, keeping records whose value passes `keep`. Starting at
 * the test's own offsets keeps the read short on a broker that other suites have filled.
 */
export async function consumeAudit(
  broker: string,
  keep: (value: string) => boolean,
  done: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 60_000,
  from?: TopicOffsets,
): Promise<ConsumedRecord[]> {
  const kafka = new kafkajs.Kafka({ clientId: 'audit-test-consumer', brokers: [broker], logLevel: kafkajs.logLevel.NOTHING });
  const groupId = `audit-test-${process.pid}-${Date.now()}-${Math.random()}`;
  if (from && from.size > 0) {
    // A new group with committed offsets starts there instead of at the beginning.
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const [topic, partitions] of from) await admin.setOffsets({ groupId, topic, partitions });
    } finally {
      await admin.disconnect();
    }
  }
  const consumer = kafka.consumer({ groupId });
  const records: ConsumedRecord[] = [];
  // The next offset to read per topic and partition, over every record (kept or not).
  const position = new Map<string, bigint>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: Object.values(AUDIT_TOPICS), fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          position.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
          const value = message.value?.toString('utf8') ?? '';
          if (!keep(value)) return;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          records.push({ topic, key: message.key?.toString('utf8') ?? null, value, headers });
          if (done(records)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    // Read on to where every audit topic ends now: a duplicate written right behind the records
    // the test waited for is then seen (and counted) instead of hoped to have arrived.
    const ends = await topicBounds(kafka);
    const startOf = (topic: string, partition: number, low: string): bigint =>
      BigInt(from?.get(topic)?.find((entry) => entry.partition === partition)?.offset ?? low);
    await waitUntil('the consumer to reach the end of the audit topics', () =>
      ends.every(({ topic, partition, low, high }) => (position.get(`${topic}:${partition}`) ?? startOf(topic, partition, low)) >= BigInt(high)),
    );
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** The first and next-to-write offsets of every partition of the audit topics that exist. */
async function topicBounds(kafka: kafkajs.Kafka): Promise<{ topic: string; partition: number; low: string; high: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const bounds: { topic: string; partition: number; low: string; high: string }[] = [];
    for (const topic of Object.values(AUDIT_TOPICS)) {
      if (!existing.has(topic)) continue;
      for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) bounds.push({ topic, partition, low, high });
    }
    return bounds;
  } finally {
    await admin.disconnect();
  }
}

export function uniqueIds(records: ConsumedRecord[]): Set<string> {
  return new Set(records.map((record) => (JSON.parse(record.value) as { id: string }).id));
}
