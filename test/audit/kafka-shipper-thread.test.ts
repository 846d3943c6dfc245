import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { auditMetrics } from '../../audit/audit-metrics.ts';
import { openKafkaAuditSink } from '../../audit/kafka-audit-sink.ts';
import { parseKafkaSpec } from '../../audit/kafka-spec.ts';
import { need, services } from '../services/services-env.ts';
import { auditTopicEnds, consumeAudit, uniqueIds } from './kafka-consume.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
let broker: string;
let dir: string;

beforeAll(async () => {
  broker = need(await services('up', ['kafka']), 'GATEHOUSE_KAFKA');
  dir = await mkdtemp(join(tmpdir(), 'gh-shipper-thread-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kafka shipper thread (real broker)', () => {
  it('a shipper thread that dies is replaced and every event still arrives', async () => {
    const source = `gatehouse://test/thread-crash-${Date.now()}`;
    const start = await auditTopicEnds(broker);
    const registry = new Registry();
    const sink = await openKafkaAuditSink({ source, journalDir: join(dir, 'crash'), kafka: parseKafkaSpec(`kafka://${broker}`), logger: quiet, registry });
    const ids: string[] = [];
    const append = async (from: number, count: number) => {
      const events = await Promise.all(Array.from({ length: count }, (_, i) => sink.append({ type: 'gatehouse.token.v1', subject: `s-${(from + i) % 3}`, data: { index: from + i } })));
      ids.push(...events.map((event) => event.id));
    };
    try {
      await append(0, 100);
      expect(await sink.shipper.drain(60_000)).toBe(true);
      const first = sink.shipper.worker!;
      await first.terminate(); // as a crash: not asked to stop
      await append(100, 100); // appends go on while no shipper thread runs
      expect(await sink.shipper.drain(60_000)).toBe(true);
      expect(sink.shipper.worker).toBeDefined();
      expect(sink.shipper.worker).not.toBe(first);
      expect((await auditMetrics(registry).shipErrors.get()).values[0]!.value).toBeGreaterThanOrEqual(1);
    } finally {
      await sink.close();
    }
    const records = await consumeAudit(broker, (value) => value.includes(`"source":"${source}"`), (seen) => uniqueIds(seen).size >= 200, 60_000, start);
    expect(uniqueIds(records)).toEqual(new Set(ids));
  });
});
