import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEvent, GENESIS_STATE } from '../../audit/hash-chain.ts';
import { gatehouse } from './audit-serve-process.ts';

// A day of a busy instance is hundreds of thousands of events in one chain: `audit verify` must
// take that volume (it once spread every sequence number into Math.min and overflowed the stack).
const EVENTS = 250_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-verify-volume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit verify at volume', () => {
  it(`one chain of ${EVENTS} events verifies: exit 0, the whole sequence reported`, async () => {
    const source = 'gatehouse://volume/serve';
    const lines: string[] = [];
    let state = GENESIS_STATE;
    const time = new Date().toISOString();
    for (let i = 0; i < EVENTS; i++) {
      const built = chainEvent({ id: randomUUID(), time, recordedtime: time, draft: { type: 'gatehouse.decision.v1', subject: `s-${i % 7}`, data: { index: i } } }, source, state);
      lines.push(built.line);
      state = built.next;
    }
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, lines.join('\n') + '\n');

    const verify = await gatehouse(['audit', 'verify', '--source', `file:${path}`, '--format', 'json']);
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; records: number; sources: unknown[] };
    expect(report).toMatchObject({ ok: true, records: EVENTS });
    expect(report.sources).toEqual([{ source, events: EVENTS, duplicates: 0, firstSequence: 1, lastSequence: EVENTS, chains: 1 }]);
  }, 300_000);
});
