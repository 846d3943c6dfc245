import { mkdtemp, readFile, rm, writeFile, chmod, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import { AuditUnavailableError } from '../../audit/audit-sink.ts';
import { GENESIS_PREV_HASH, hashLine } from '../../audit/hash-chain.ts';
import { decisionEventDraft } from '../../audit/decision-event.ts';
import type { AuditLogger } from '../../audit/audit-logger.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-file-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function draft(i: number) {
  return decisionEventDraft({
    decisionId: `d-${i}`,
    requestId: `r-${i}`,
    sessionId: 's-1',
    effect: 'allow',
    reasons: [],
    obligations: {},
    policyRevision: 'rev-1',
    engineMicros: 12.4,
    input: { subject: { id: 'alice' }, action: 'db.query', resource: { type: 'Database', id: 'orders' }, context: {}, time: '2026-11-25T10:00:00Z' },
  });
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
}

describe('file audit sink', () => {
  it('concurrent appends write one CloudEvents line each, chained from genesis', async () => {
    const path = join(dir, 'audit.jsonl');
    const sink = await createAuditSink(`file:${path}`, { source: 'gatehouse://test/a', logger: quiet, registry: new Registry() });
    const events = await Promise.all(Array.from({ length: 500 }, (_, i) => sink.append(draft(i))));
    await sink.close();
    const written = await lines(path);
    expect(written).toHaveLength(500);
    const parsed = written.map((line) => JSON.parse(line));
    expect(new Set(parsed.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(parsed[0]).toMatchObject({ specversion: '1.0', source: 'gatehouse://test/a', type: 'gatehouse.decision.v1', subject: 's-1', datacontenttype: 'application/json', prevhash: GENESIS_PREV_HASH, sequence: '1' });
    expect(parsed[0].data).toMatchObject({ schemaVersion: 1, effect: 'allow', policyRevision: 'rev-1', engineMicros: 12 });
    for (let i = 1; i < written.length; i++) {
      expect(parsed[i].prevhash).toBe(hashLine(written[i - 1]!));
      expect(parsed[i].sequence).toBe(String(i + 1));
    }
  });

  it('a reopened sink continues the chain from the last line of its source, past other sources and a torn tail', async () => {
    const path = join(dir, 'audit.jsonl');
    const first = await createAuditSink(`file:${path}`, { source: 'gatehouse://test/a', logger: quiet, registry: new Registry() });
    await first.append(draft(1));
    await first.append(draft(2));
    await first.close();
    const other = await createAuditSink(`file:${path}`, { source: 'gatehouse://test/b', logger: quiet, registry: new Registry() });
    await other.append(draft(3));
    await other.close();
    await appendFile(path, '{"specversion":"1.0","id":"torn'); // a crash mid-write
    const again = await createAuditSink(`file:${path}`, { source: 'gatehouse://test/a', logger: quiet, registry: new Registry() });
    const event = await again.append(draft(4));
    await again.close();
    const written = await lines(path);
    expect(written).toHaveLength(4);
    expect(event.prevhash).toBe(hashLine(written[1]!));
    expect(event.sequence).toBe('3');
    expect(JSON.parse(written[2]!).prevhash).toBe(GENESIS_PREV_HASH);
  });

  it('an unwritable file rejects append with AuditUnavailableError; required=false drops and resolves', async () => {
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, '');
    // /dev/full accepts open and fails every write with ENOSPC: a real "disk full"
    const full = await createAuditSink('file:/dev/full', { source: 'gatehouse://test/a', logger: quiet, registry: new Registry() });
    await expect(full.append(draft(1))).rejects.toBeInstanceOf(AuditUnavailableError);
    await expect(full.append(draft(1))).rejects.toThrow(/cannot be written/);
    await full.close().catch(() => undefined);
    const registry = new Registry();
    const optional = await createAuditSink('file:/dev/full', { source: 'gatehouse://test/a', required: false, logger: quiet, registry });
    await expect(optional.append(draft(1))).resolves.toMatchObject({ type: 'gatehouse.decision.v1' });
    await optional.close().catch(() => undefined);
    expect(await registry.getSingleMetricAsString('gatehouse_audit_events_dropped_total')).toMatch(/sink="file"} 1/);
    await chmod(path, 0o644);
  });

  it('a file in a directory that cannot be created fails to open with AuditUnavailableError', async () => {
    await writeFile(join(dir, 'plain'), '');
    await expect(createAuditSink(`file:${join(dir, 'plain', 'x.jsonl')}`, { source: 's', logger: quiet })).rejects.toBeInstanceOf(AuditUnavailableError);
    await expect(createAuditSink('nope:x', { source: 's', logger: quiet })).rejects.toThrow(/unknown audit spec/);
  });
});
