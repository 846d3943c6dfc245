import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { auditMetrics } from '../../audit/audit-metrics.ts';
import { Journal } from '../../audit/journal.ts';
import { openKafkaAuditSink, type KafkaAuditSink, type KafkaAuditSinkOptions } from '../../audit/kafka-audit-sink.ts';
import { parseKafkaSpec } from '../../audit/kafka-spec.ts';
import { need, services } from '../services/services-env.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
/** Far longer than any test: whatever ships before it ends was not held by the linger. */
const LONG_LINGER_MS = 600_000;
let broker: string;
let dir: string;

beforeAll(async () => {
  broker = need(await services('up', ['kafka']), 'GATEHOUSE_KAFKA');
  dir = await mkdtemp(join(tmpdir(), 'gh-linger-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Opened {
  sink: KafkaAuditSink;
  registry: Registry;
  /** Batches acknowledged so far (the shipper commits once per acknowledged batch). */
  batches: () => number;
  shipped: () => Promise<number>;
}

async function open(name: string, extra: Partial<KafkaAuditSinkOptions> = {}, spec = `kafka://${broker}`): Promise<Opened> {
  const registry = new Registry();
  const sink = await openKafkaAuditSink({
    source: `gatehouse://test/linger-${name}-${Date.now()}`,
    journalDir: join(dir, name),
    kafka: parseKafkaSpec(spec),
    logger: quiet,
    registry,
    ...extra,
  });
  let batches = 0;
  const commit = sink.journal.commit.bind(sink.journal);
  sink.journal.commit = (position) => {
    batches += 1;
    return commit(position);
  };
  const shipped = async () => (await auditMetrics(registry).shipped.get()).values.reduce((sum, v) => sum + v.value, 0);
  return { sink, registry, batches: () => batches, shipped };
}

const event = (i: number, pad = 0) => ({ type: 'gatehouse.token.v1' as const, subject: `planner-${i % 3}`, data: { index: i, pad: 'x'.repeat(pad) } });

async function waitFor(predicate: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('kafka shipper linger and batching (real broker)', () => {
  it('events appended one by one during the linger ship as one batch, and drain sends it without waiting out the linger', async () => {
    const { sink, batches, shipped } = await open('one-batch', { lingerMs: LONG_LINGER_MS });
    try {
      for (let i = 0; i < 20; i++) await sink.append(event(i));
      expect(await shipped()).toBe(0); // held by the linger
      expect(await sink.shipper.drain(60_000)).toBe(true);
      expect(await shipped()).toBe(20);
      expect(batches()).toBe(1);
    } finally {
      await sink.close();
    }
  });

  it('a batch that reaches batchBytes ships without waiting for the linger or a drain', async () => {
    const { sink, shipped } = await open('full-batch', { lingerMs: LONG_LINGER_MS, batchBytes: 4096 });
    try {
      for (let i = 0; i < 20; i++) await sink.append(event(i, 400));
      await waitFor(async () => (await shipped()) > 0, 'a full batch to be acknowledged');
    } finally {
      await sink.close();
    }
  });

  it('close ships what lingers and leaves the position at the end of the journal', async () => {
    const { sink, shipped } = await open('close', { lingerMs: LONG_LINGER_MS });
    for (let i = 0; i < 7; i++) await sink.append(event(i));
    await sink.close();
    expect(await shipped()).toBe(7);
    const journal = await Journal.open(join(dir, 'close'));
    try {
      expect(journal.unshippedBytes).toBe(0);
    } finally {
      await journal.close();
    }
  });

  it('with linger 0 and gzip for every batch (compressMinBytes 1), events are acknowledged', async () => {
    const { sink, shipped } = await open('gzip', { lingerMs: 0, compressMinBytes: 1 }, `kafka://${broker}?compression=gzip`);
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => sink.append(event(i, 200))));
      expect(await sink.shipper.drain(60_000)).toBe(true);
      expect(await shipped()).toBe(50);
    } finally {
      await sink.close();
    }
  });
});
