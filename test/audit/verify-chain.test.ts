import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { hashLine } from '../../audit/hash-chain.ts';
import { readAuditSource } from '../../audit/audit-source-reader.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import { verifyChain } from '../../audit/verify-chain.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
const BIN = resolve(import.meta.dirname, '../../bin/gatehouse');
let dir: string;
let pristine: string[];

function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(BIN, args, (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-verify-'));
  const path = join(dir, 'audit.jsonl');
  for (const source of ['gatehouse://a', 'gatehouse://b']) {
    const sink = await createAuditSink(`file:${path}`, { source, logger: quiet, registry: new Registry() });
    for (let i = 0; i < 10; i++) await sink.append({ type: 'gatehouse.decision.v1', subject: 's', data: { i } });
    await sink.close();
  }
  pristine = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function variant(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

describe('audit verify', () => {
  it('an untouched file with two sources verifies and the CLI exits 0', async () => {
    const path = await variant('ok.jsonl', pristine);
    const report = await verifyChain(readAuditSource(`file:${path}`));
    expect(report.ok).toBe(true);
    expect(report.sources.map((s) => [s.source, s.events, s.lastSequence])).toEqual([
      ['gatehouse://a', 10, 10],
      ['gatehouse://b', 10, 10],
    ]);
    const cli = await gatehouse(['audit', 'verify', '--source', `file:${path}`]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/every chain intact/);
  });

  it('an edited line is reported as edited with its event id and the CLI exits 1', async () => {
    const lines = [...pristine];
    const target = JSON.parse(lines[4]!);
    target.data.i = 999;
    lines[4] = JSON.stringify(target);
    const path = await variant('edited.jsonl', lines);
    const report = await verifyChain(readAuditSource(`file:${path}`));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'edited', alteredEventId: target.id, sequence: 5 })]);
    const cli = await gatehouse(['audit', 'verify', '--source', `file:${path}`]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(target.id);
  });

  it('a deleted line is reported as missing before the next event', async () => {
    const lines = [...pristine];
    const next = JSON.parse(lines[13]!);
    lines.splice(12, 1); // source b, sequence 3
    const path = await variant('deleted.jsonl', lines);
    const report = await verifyChain(readAuditSource(`file:${path}`));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', eventId: next.id, sequence: 3, source: 'gatehouse://b' })]);
    expect((await gatehouse(['audit', 'verify', '--source', `file:${path}`, '--format', 'json'])).code).toBe(1);
  });

  it('duplicate deliveries of the same event are not a problem; a reordered stream still verifies', async () => {
    const lines = [...pristine].reverse();
    lines.push(pristine[3]!, pristine[15]!);
    const report = await verifyChain(readAuditSource(`file:${await variant('dup.jsonl', lines)}`));
    expect(report.ok).toBe(true);
    expect(report.sources.reduce((n, s) => n + s.duplicates, 0)).toBe(2);
  });

  it('a forged event inserted after a real one (same predecessor, same sequence, new id) is reported as inserted', async () => {
    const lines = [...pristine];
    const forged = JSON.parse(lines[4]!);
    forged.id = 'forged-event';
    forged.data.i = 999;
    lines.splice(5, 0, JSON.stringify(forged)); // source a, a second sequence 5 chained onto sequence 4
    const report = await verifyChain(readAuditSource(`file:${await variant('inserted.jsonl', lines)}`));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'inserted', source: 'gatehouse://a', sequence: 5 })]);
    expect(report.problems[0]!.detail).toContain('forged-event');
  });

  it('a forged second chain for an existing source (sequence 1, zero prevHash) is a second genesis, and the CLI says how to start a chain on purpose', async () => {
    const forged = JSON.parse(pristine[0]!);
    forged.id = 'forged-genesis';
    forged.data.i = 999;
    const lines = [...pristine, JSON.stringify(forged)];
    const report = await verifyChain(readAuditSource(`file:${await variant('genesis.jsonl', lines)}`));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'second-genesis', source: 'gatehouse://a', eventId: 'forged-genesis' })]);
    const cli = await gatehouse(['audit', 'verify', '--source', `file:${join(dir, 'genesis.jsonl')}`]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('second-genesis');
    expect(cli.stdout).toContain('new source name (--audit-source)');
    expect(cli.stdout).not.toContain('every chain intact');
  });

  it('an event chained onto an earlier one with a lower sequence is a sequence reset', async () => {
    // source a: 1..10, then a forged event continuing the chain from event 10 but numbered 3.
    const last = pristine[9]!;
    const reset = JSON.parse(pristine[2]!);
    reset.id = 'reset-event';
    reset.prevhash = hashLine(last);
    const report = await verifyChain(readAuditSource(`file:${await variant('reset.jsonl', [...pristine, JSON.stringify(reset)])}`));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'sequence-reset', eventId: 'reset-event', sequence: 3 })]));
  });

  it('a chain whose first events were removed (first stored sequence above 1) is a gap', async () => {
    const lines = pristine.filter((line) => !(JSON.parse(line).source === 'gatehouse://b' && Number(JSON.parse(line).sequence) <= 2));
    const report = await verifyChain(readAuditSource(`file:${await variant('head-gap.jsonl', lines)}`));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', source: 'gatehouse://b', sequence: 2, detail: expect.stringContaining('1..2') })]);
  });

  it('a missing --source is a usage error (exit 2)', async () => {
    const cli = await gatehouse(['audit', 'verify']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/^gatehouse: --source is required/);
  });
});
