import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { AuditUnavailableError } from '../../audit/audit-sink.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';

// Nothing listens on port 1: the shipper never gets an acknowledgement, so the journal only grows.
const UNREACHABLE = 'kafka://127.0.0.1:1';
const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-journal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = (i: number) => ({ type: 'gatehouse.decision.v1' as const, subject: 's', data: { index: i, pad: 'p'.repeat(200) } });

describe('journal size bound', () => {
  it('a full journal with audit required rejects append with "audit journal full (N bytes)"', async () => {
    const sink = await createAuditSink(UNREACHABLE, { source: 'gatehouse://t', journalDir: join(dir, 'full'), journalMaxBytes: 20_000, logger: quiet, registry: new Registry() });
    let accepted = 0;
    let failure: unknown;
    for (let i = 0; i < 200 && failure === undefined; i++) {
      try {
        await sink.append(event(i));
        accepted += 1;
      } catch (error) {
        failure = error;
      }
    }
    await sink.close();
    expect(accepted).toBeGreaterThan(10);
    expect(failure).toBeInstanceOf(AuditUnavailableError);
    expect((failure as AuditUnavailableError).message).toBe('audit journal full (20000 bytes)');
    expect((failure as AuditUnavailableError).code).toBe('GATEHOUSE_AUDIT_UNAVAILABLE');
  });

  it('a full journal with required=false drops the event, counts it and keeps answering', async () => {
    const registry = new Registry();
    const sink = await createAuditSink(UNREACHABLE, { source: 'gatehouse://t', journalDir: join(dir, 'optional'), journalMaxBytes: 5_000, required: false, logger: quiet, registry });
    for (let i = 0; i < 40; i++) await sink.append(event(i));
    await sink.close();
    const dropped = await registry.getSingleMetricAsString('gatehouse_audit_events_dropped_total');
    const count = Number(/sink="journal"} (\d+)/.exec(dropped)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(40);
  });

  it('a second process on the same journal directory is refused', async () => {
    const one = await createAuditSink(UNREACHABLE, { source: 'a', journalDir: join(dir, 'locked'), logger: quiet, registry: new Registry() });
    await expect(createAuditSink(UNREACHABLE, { source: 'b', journalDir: join(dir, 'locked'), logger: quiet })).rejects.toThrow(/in use by process/);
    await one.close();
  });

  it('bad kafka specs are refused with a message naming the problem', async () => {
    await expect(createAuditSink('kafka://', { source: 'a', journalDir: join(dir, 'x') })).rejects.toThrow(/names no broker/);
    await expect(createAuditSink('kafka://h:1?password=x', { source: 'a', journalDir: join(dir, 'x') })).rejects.toThrow(/never in the spec/);
    await expect(createAuditSink('kafka://h:1?sasl=plain&username=u', { source: 'a', journalDir: join(dir, 'x') })).rejects.toThrow(/needs a password/);
  });
});
