import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import type { KafkaAuditSink } from '../../audit/kafka-audit-sink.ts';
import { verifyChain } from '../../audit/verify-chain.ts';
import { need, ROOT, services } from '../services/services-env.ts';
import { consumeAudit, uniqueIds } from './kafka-consume.ts';

// A private broker (its own ports and data): this test stops it, which must not disturb other suites.
const PRIVATE = join(ROOT, 'var', 'services-audit-outage');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'append-events.ts');
const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-outage-'));
});
afterAll(async () => {
  await services('down', ['kafka'], PRIVATE).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

function startProducer(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('kafka audit sink through a broker outage and a crash', () => {
  it('events appended while the broker is down, including by a SIGKILLed process, all arrive once it is back', async () => {
    const broker = need(await services('up', ['kafka'], PRIVATE), 'GATEHOUSE_KAFKA');
    const spec = `kafka://${broker}`;
    const stamp = Date.now();
    const sourceA = `gatehouse://test/outage-a-${stamp}`;
    const sourceB = `gatehouse://test/outage-b-${stamp}`;
    const sink = (await createAuditSink(spec, { source: sourceA, journalDir: join(dir, 'a'), logger: quiet, registry: new Registry() })) as KafkaAuditSink;
    const append = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => sink.append({ type: 'gatehouse.decision.v1', subject: `s-${(i + j) % 5}`, data: { index: i + j } })));
      }
    };

    await append(0, 500);
    expect(await sink.shipper.drain(60_000)).toBe(true);

    await services('down', ['kafka'], PRIVATE);
    await append(500, 500); // the broker is gone: appends still succeed, into the journal
    expect(sink.journal.unshippedBytes).toBeGreaterThan(0);

    const doomed = startProducer([join(dir, 'b'), spec, sourceB, '300', '0', 'hold']);
    await waitFor(() => doomed.output().includes('appended 300'), 'the first producer to append');
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const restarted = startProducer([join(dir, 'b'), spec, sourceB, '200', '300', 'drain']);
    await waitFor(() => restarted.output().includes('appended 200'), 'the restarted producer to append');

    const again = need(await services('up', ['kafka'], PRIVATE), 'GATEHOUSE_KAFKA');
    expect(again).toBe(broker); // same port: clients reconnect without being told

    expect(await sink.shipper.drain(180_000)).toBe(true);
    expect(await restarted.exited).toBe(0);
    await sink.close();

    const ofA = (value: string) => value.includes(`"source":"${sourceA}"`);
    const ofB = (value: string) => value.includes(`"source":"${sourceB}"`);
    const records = await consumeAudit(
      again,
      (value) => ofA(value) || ofB(value),
      (seen) => uniqueIds(seen).size >= 1500,
      120_000,
    );
    expect(uniqueIds(records.filter((r) => ofA(r.value))).size).toBe(1000);
    expect(uniqueIds(records.filter((r) => ofB(r.value))).size).toBe(500);
    const report = await verifyChain(
      (async function* () {
        for (const record of records) yield { line: record.value, origin: record.topic };
      })(),
    );
    expect(report.problems).toEqual([]);
    expect(report.sources.map((s) => [s.source, s.events, s.lastSequence]).sort()).toEqual([
      [sourceA, 1000, 1000],
      [sourceB, 500, 500],
    ]);
  }, 600_000);
});
