import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, type JournalPosition } from '../../audit/journal.ts';
import { waitUntil } from '../support/wait-until.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-journal-tail-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// lines of varied length with multi-byte UTF-8, written in groups as ChainedAppender writes them
function group(first: number, count: number): Buffer {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ n: first + i, text: 'é€😀'.repeat((first + i) % 7) + 'x'.repeat((first + i) % 90) }));
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

async function readAll(journal: Journal, from: JournalPosition, maxBytes: number): Promise<{ lines: string[]; positions: JournalPosition[] }> {
  const lines: string[] = [];
  const positions: JournalPosition[] = [];
  let position = from;
  for (;;) {
    const chunk = await journal.read(position, maxBytes);
    if (chunk.lines.length === 0) return { lines, positions };
    lines.push(...chunk.lines);
    positions.push(chunk.next);
    position = chunk.next;
  }
}

describe('journal tail cache and position file', () => {
  it('reads served from the in-memory tail equal reads of the same positions from the file', async () => {
    const cached = await Journal.open(join(dir, 'cached'), { segmentBytes: 8192 });
    const uncached = await Journal.open(join(dir, 'uncached'), { segmentBytes: 8192, tailCacheBytes: 0 });
    try {
      let n = 0;
      for (let g = 0; g < 40; g++) {
        const count = 1 + (g % 9);
        const data = group(n, count);
        await cached.appendLines(data);
        await uncached.appendLines(data);
        n += count;
      }
      for (const maxBytes of [1, 300, 1000, 5000, 1024 * 1024]) {
        const start = { segment: 1, offset: 0 };
        const fromCache = await readAll(cached, start, maxBytes);
        const fromFile = await readAll(uncached, start, maxBytes);
        expect(fromCache.lines).toHaveLength(n);
        expect(fromCache.lines).toEqual(fromFile.lines);
        // every position either reader stopped at is a line boundary the other can continue from
        for (const position of [...fromCache.positions, ...fromFile.positions]) {
          expect((await readAll(cached, position, 700)).lines).toEqual((await readAll(uncached, position, 700)).lines);
        }
      }
    } finally {
      await cached.close();
      await uncached.close();
    }
  });

  it('a reopened journal resumes from the last committed position, written on close', async () => {
    const path = join(dir, 'reopen');
    const journal = await Journal.open(path, { positionWriteMs: 60_000 });
    await journal.appendLines(group(0, 30));
    const { positions } = await readAll(journal, journal.shippedPosition, 500);
    for (const position of positions) await journal.commit(position);
    await journal.close();
    const again = await Journal.open(path);
    try {
      expect(again.shippedPosition).toEqual(positions.at(-1));
      expect(again.unshippedBytes).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('shipped.json only ever holds a committed position', async () => {
    const path = join(dir, 'only-committed');
    const journal = await Journal.open(path, { positionWriteMs: 10 });
    const committed: JournalPosition[] = [];
    try {
      await journal.appendLines(group(0, 50));
      const { positions } = await readAll(journal, journal.shippedPosition, 400);
      for (const position of positions) {
        await journal.commit(position);
        committed.push(position);
        const text = await readFile(join(path, 'shipped.json'), 'utf8').catch(() => undefined);
        if (text !== undefined) expect(committed).toContainEqual(JSON.parse(text));
      }
    } finally {
      await journal.close();
    }
    expect(committed.length).toBeGreaterThan(5);
    expect(JSON.parse(await readFile(join(path, 'shipped.json'), 'utf8'))).toEqual(committed.at(-1));
  });

  it('a crash after shipped segments were deleted but before shipped.json caught up re-sends, and skips nothing', async () => {
    const path = join(dir, 'crash');
    const journal = await Journal.open(path, { segmentBytes: 1024, positionWriteMs: 600_000 });
    const all: string[] = [];
    let acknowledged: JournalPosition;
    try {
      for (let g = 0; g < 30; g++) {
        const data = group(g * 3, 3);
        all.push(...data.toString('utf8').trimEnd().split('\n'));
        await journal.appendLines(data);
      }
      const { lines, positions } = await readAll(journal, journal.shippedPosition, 700);
      expect(lines).toEqual(all);
      await journal.commit(positions[1]!); // the first commit is written at once
      await waitUntil('the first commit written to shipped.json', async () => (await readFile(join(path, 'shipped.json'), 'utf8').catch(() => '')) !== '');
      acknowledged = positions.at(-3)!;
      await journal.commit(acknowledged); // in memory; shipped.json waits, shipped segments are deleted now
      // the crash: the directory as it is at this instant, without the lock
      await cp(path, join(dir, 'crash-after'), { recursive: true, filter: (source) => !source.endsWith('/lock') });
    } finally {
      await journal.close();
    }
    const restarted = await Journal.open(join(dir, 'crash-after'));
    try {
      const stale = JSON.parse(await readFile(join(dir, 'crash-after', 'shipped.json'), 'utf8')) as JournalPosition;
      expect(restarted.shippedPosition.segment).toBeGreaterThan(stale.segment); // the stale position's segment is gone
      const resumed = (await readAll(restarted, restarted.shippedPosition, 1024 * 1024)).lines;
      const unacknowledged = (await readAll(restarted, acknowledged, 1024 * 1024)).lines;
      expect(unacknowledged.length).toBeGreaterThan(0);
      expect(resumed.slice(-unacknowledged.length)).toEqual(unacknowledged);
      expect(resumed.length).toBeGreaterThan(unacknowledged.length); // duplicates: some acknowledged lines again
      expect(all.slice(-resumed.length)).toEqual(resumed);
    } finally {
      await restarted.close();
    }
  });
});
