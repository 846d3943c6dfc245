import { copyFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLastLine } from '../../audit/append-only-file.ts';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { readAuditSource } from '../../audit/audit-source-reader.ts';
import { chainIndexPath, findChainPosition, lastAfter } from '../../audit/chain-index.ts';
import { openFileAuditSink } from '../../audit/file-audit-sink.ts';
import { verifyChain } from '../../audit/verify-chain.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-chain-position-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Lines of random length (including empty ones and multi-byte UTF-8), as raw file content.
const lineArb = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('', 'é€😀', 'x'.repeat(70), 'y'.repeat(513)));

async function withFile<T>(content: string, body: (handle: Awaited<ReturnType<typeof open>>, size: number) => Promise<T>): Promise<T> {
  const path = join(dir, `f-${n++}`);
  await writeFile(path, content);
  const handle = await open(path, 'r');
  try {
    return await body(handle, Buffer.byteLength(content));
  } finally {
    await handle.close();
    await rm(path);
  }
}

describe('chain position scans', () => {
  it('findLastLine visits every non-empty line, newest first, with the offset past it, for any line lengths and chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb.map((s) => s.replaceAll('\n', ' ')), { maxLength: 40 }), fc.integer({ min: 1, max: 300 }), async (lines, chunk) => {
        const content = lines.map((line) => `${line}\n`).join('');
        const expected: [string, number][] = [];
        let offset = 0;
        for (const line of lines) {
          offset += Buffer.byteLength(line) + 1;
          if (line !== '') expected.push([line, offset]);
        }
        const seen = await withFile(content, async (handle, size) => {
          const out: [string, number][] = [];
          await findLastLine(handle, size, (line, end) => void out.push([line, end]), chunk);
          return out;
        });
        expect(seen).toEqual(expected.reverse());
      }),
      { numRuns: 300 },
    );
  });

  it('lastAfter finds the last line of a source after any line boundary, for any chunk size', async () => {
    const sourced = fc.record({ source: fc.constantFrom('gatehouse://a', 'gatehouse://b'), pad: fc.string({ maxLength: 120 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(sourced, { minLength: 1, maxLength: 30 }), fc.nat(), fc.integer({ min: 1, max: 257 }), async (events, cut, chunk) => {
        const lines = events.map((e, i) => JSON.stringify({ source: e.source, sequence: String(i + 1), pad: e.pad }));
        const ends: number[] = [];
        let offset = 0;
        for (const line of lines) ends.push((offset += Buffer.byteLength(line) + 1));
        const from = cut % (lines.length + 1) === 0 ? 0 : ends[(cut % (lines.length + 1)) - 1]!;
        const expectedIndex = lines.map((_, i) => i).filter((i) => ends[i]! > from && events[i]!.source === 'gatehouse://a').pop();
        const found = await withFile(lines.map((l) => `${l}\n`).join(''), (handle, size) => lastAfter(handle, from, size, 'gatehouse://a', chunk));
        if (expectedIndex === undefined) expect(found).toBeUndefined();
        else expect(found).toMatchObject({ end: ends[expectedIndex], state: { sequence: expectedIndex + 1 } });
      }),
      { numRuns: 300 },
    );
  });
});

describe('file sink restarts', () => {
  const open2 = (path: string, source: string) => openFileAuditSink(path, { source, logger: quiet, registry: new Registry() });

  it('random interleavings of sources, restarts and a stale index always continue each chain', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ source: fc.constantFrom('gatehouse://a', 'gatehouse://b', 'gatehouse://c'), count: fc.integer({ min: 0, max: 6 }), pad: fc.nat(300), staleIndex: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (runs) => {
          const path = join(dir, `sink-${n++}.jsonl`);
          let saved: string | undefined;
          for (const run of runs) {
            if (run.staleIndex && saved) await copyFile(saved, chainIndexPath(path)); // as if the last index write was lost
            const sink = await open2(path, run.source);
            for (let i = 0; i < run.count; i++) await sink.append({ type: 'gatehouse.decision.v1', subject: 's', data: { pad: 'p'.repeat(run.pad + i) } });
            await sink.close();
            // The first index is kept: restoring it later makes every entry in it stale.
            if (!saved) {
              saved = `${path}.saved`;
              await copyFile(chainIndexPath(path), saved);
            }
          }
          const report = await verifyChain(readAuditSource(`file:${path}`));
          expect(report.problems).toEqual([]);
          expect(report.sources.every((s) => s.chains === 1)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a restart after a large history of other sources finds its position through the index', async () => {
    const path = join(dir, 'large.jsonl');
    const mine = await open2(path, 'gatehouse://mine');
    await mine.append({ type: 'gatehouse.decision.v1', subject: 's', data: { first: true } });
    await mine.close();
    const other = await open2(path, 'gatehouse://other');
    const pad = 'z'.repeat(2000);
    for (let i = 0; i < 5000; i++) void other.append({ type: 'gatehouse.decision.v1', subject: 's', data: { i, pad } });
    await other.append({ type: 'gatehouse.decision.v1', subject: 's', data: { last: true } });
    await other.close();
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      expect(size).toBeGreaterThan(10_000_000);
      const position = await findChainPosition(handle, path, size, 'gatehouse://mine');
      expect(position).toMatchObject({ viaIndex: true, state: { sequence: 1 } });
    } finally {
      await handle.close();
    }
    const again = await open2(path, 'gatehouse://mine');
    expect((await again.append({ type: 'gatehouse.decision.v1', subject: 's', data: {} })).sequence).toBe('2');
    await again.close();
    expect((await verifyChain(readAuditSource(`file:${path}`))).ok).toBe(true);
  });

  it('a second writer on the same file is refused while the first holds it', async () => {
    const path = join(dir, 'locked.jsonl');
    const first = await open2(path, 'gatehouse://one');
    await expect(open2(path, 'gatehouse://two')).rejects.toThrow(/in use by process \d+; give each instance its own --audit file:PATH/);
    await first.close();
    const second = await open2(path, 'gatehouse://two');
    await second.close();
  });
});
