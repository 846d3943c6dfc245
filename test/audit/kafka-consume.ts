import kafkajs from 'kafkajs';
import { AUDIT_TOPICS } from '../../audit/audit-event.ts';

export interface ConsumedRecord {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * An independent consumer (plain kafkajs, not Gatehouse's reader): reads the audit topics from
 * the beginning until `done` says enough was seen or `timeoutMs` passes, keeping records whose
 * value passes `keep`.
 */
export async function consumeAudit(
  broker: string,
  keep: (value: string) => boolean,
  done: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedRecord[]> {
  const kafka = new kafkajs.Kafka({ clientId: 'audit-test-consumer', brokers: [broker], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `audit-test-${process.pid}-${Date.now()}-${Math.random()}` });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: Object.values(AUDIT_TOPICS), fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
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
    // a little longer: duplicates, if any, would show up right behind
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

export function uniqueIds(records: ConsumedRecord[]): Set<string> {
  return new Set(records.map((record) => (JSON.parse(record.value) as { id: string }).id));
}
