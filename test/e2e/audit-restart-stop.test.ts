import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { gatehouse, killAllServes, ROOT, startServe } from './audit-serve-process.ts';
import { decisionClient, sendTraffic } from './audit-traffic.ts';

// `gatehouse serve` as an operator restarts and stops it: a large audit history of other
// instances does not hold up a start, and a stop with the broker unreachable ends at its drain
// budget with every event left in the journal.

let work: string;
let bundle: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gh-audit-restart-'));
  bundle = join(work, 'bundle.tar.gz');
  const built = await gatehouse(['build', join(ROOT, 'policy'), '-o', bundle]);
  expect(built.code, built.stderr).toBe(0);
}, 300_000);
afterAll(async () => {
  await killAllServes();
  rmSync(work, { recursive: true, force: true });
});

describe('serve restarts and stops', () => {
  it('starts on a file holding a large history of another source and continues its own chain', async () => {
    const path = join(work, 'shared.jsonl');
    const audit = ['--bundle', bundle, '--audit', `file:${path}`, '--audit-source', 'gatehouse://e2e/serve-a'];
    const first = await startServe(audit, work);
    const client = decisionClient(first.address);
    await sendTraffic(client, 'restart-a', 0, 5, 5);
    client.close();
    expect(await first.stop()).toBe(0);

    // ~30 MB of another instance's events, with lines of many lengths (chunk boundaries land
    // everywhere), appended after this source's last line: as another instance would have.
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      lines.push(JSON.stringify({ specversion: '1.0', id: `other-${i}`, source: 'gatehouse://e2e/other', type: 'gatehouse.decision.v1', sequence: String(i + 1), prevHash: '0'.repeat(64), data: { pad: 'p'.repeat(i % 997) } }));
    }
    writeFileSync(path, `${lines.join('\n')}\n`, { flag: 'a' });

    const second = await startServe(audit, work);
    const again = decisionClient(second.address);
    await sendTraffic(again, 'restart-b', 0, 3, 3);
    again.close();
    expect(await second.stop()).toBe(0);

    const mine = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"gatehouse://e2e/serve-a"'))
      .map((line) => JSON.parse(line) as { sequence: string });
    expect(mine.map((event) => Number(event.sequence))).toEqual(mine.map((_, i) => i + 1));
    expect(mine.length).toBeGreaterThanOrEqual(8);
  }, 300_000);

  it('a graceful stop with the broker unreachable ends at its drain budget, leaving the events in the journal', async () => {
    const journal = join(work, 'journal');
    const broker = `127.0.0.1:${await freePort()}`; // nothing listens there
    const serve = await startServe(['--bundle', bundle, '--audit', `kafka://${broker}`, '--journal', journal, '--audit-drain-ms', '1000'], work);
    const client = decisionClient(serve.address);
    const sent = await sendTraffic(client, 'stop', 0, 20, 10);
    client.close();
    for (const { answer } of sent) expect(answer.decisionId).not.toBe('');

    expect(await serve.stop()).toBe(0);
    // The stop gave up shipping when its drain budget ran out (the broker never answered) and
    // said so, instead of waiting on the client's retries; how long that takes is measured in
    // bench/, not asserted here.
    const warnings = serve
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"audit: closing with events not yet shipped'));
    expect(warnings).toHaveLength(1);

    const journaled = readdirSync(journal)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => readFileSync(join(journal, name), 'utf8'))
      .join('');
    for (const { answer } of sent) expect(journaled).toContain(answer.decisionId);
  }, 300_000);
});
