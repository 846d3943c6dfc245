import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import { loadBundle } from '../../../engine/testing/load-self-tested-bundle.ts';
import type { ActivatableBundle } from '../../../engine/decision/active-bundle.ts';
import type { DecideStreamResponse__Output } from '../../../proto/generated/gatehouse/v1/DecideStreamResponse.ts';
import { BASE_POLICY, buildFixtureBundle, query, startTestServer, type TestServer } from '../server/service-fixture.ts';
import { FairScheduler, isHeavyCall, HEAVY_TEXT_CHARS } from '../../../engine/decision/fair-scheduler.ts';
import { ResourceExhaustedError } from '../../../engine/decision/request-errors.ts';

/** A task the test finishes by hand, recording when it started. */
function gate(log: string[], name: string): { work: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: async () => {
      log.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FairScheduler', () => {
  it('runs at most perSessionRunning of one session and refuses past its waiting share with RESOURCE_EXHAUSTED', async () => {
    const scheduler = new FairScheduler({ perSessionRunning: 2, perSessionWaiting: 3 });
    const started: string[] = [];
    const gates = Array.from({ length: 5 }, (_, i) => gate(started, `a${i}`));
    const results = gates.map((g) => scheduler.run('session-a', false, g.work));
    await settle();
    expect(started).toEqual(['a0', 'a1']);
    expect(scheduler.load).toMatchObject({ running: 2, waiting: 3 });

    const refused = scheduler.run('session-a', false, async () => 'never');
    await expect(refused).rejects.toBeInstanceOf(ResourceExhaustedError);
    await expect(refused).rejects.toMatchObject({ code: 'GATEHOUSE_RESOURCE_EXHAUSTED', message: expect.stringContaining('session "session-a" has 2 decisions running and 3 waiting') });

    // Another session is not affected by session-a's full queue.
    await expect(scheduler.run('session-b', false, async () => 'b')).resolves.toBe('b');

    for (const g of gates) {
      g.finish();
      await settle();
    }
    expect(await Promise.all(results)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(scheduler.load).toEqual({ running: 0, heavyRunning: 0, waiting: 0, sessions: 0 });
  });

  it('starts waiting work round-robin across sessions when capacity frees up', async () => {
    const scheduler = new FairScheduler({ maxRunning: 1, perSessionWaiting: 10 });
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const submit = (session: string, name: string) => {
      const g = gate(started, name);
      gates.set(name, g);
      void scheduler.run(session, false, g.work);
    };
    submit('x', 'first');
    // x floods first; y and z each send one later: they must not wait behind all of x.
    for (let i = 0; i < 4; i++) submit('x', `x${i}`);
    submit('y', 'y0');
    submit('z', 'z0');
    await settle();
    expect(started).toEqual(['first']);
    for (let step = 0; step < 6; step++) {
      gates.get(started[started.length - 1]!)!.finish();
      await settle();
    }
    expect(started).toEqual(['first', 'x0', 'y0', 'z0', 'x1', 'x2', 'x3']);
  });

  it('runs one heavy decision at a time while light ones of other sessions keep starting', async () => {
    const scheduler = new FairScheduler({ maxHeavyRunning: 1 });
    const started: string[] = [];
    const heavy = Array.from({ length: 3 }, (_, i) => gate(started, `heavy${i}`));
    heavy.forEach((g, i) => void scheduler.run(`flood-${i}`, true, g.work));
    await settle();
    expect(started).toEqual(['heavy0']);
    await expect(scheduler.run('small', false, async () => 'select 1')).resolves.toBe('select 1');
    heavy[0]!.finish();
    await settle();
    expect(started).toEqual(['heavy0', 'heavy1']);
    heavy[1]!.finish();
    heavy[2]!.finish();
    await settle();
    await settle();
    expect(started).toEqual(['heavy0', 'heavy1', 'heavy2']);
  });

  it('a task that throws or rejects frees its slot', async () => {
    const scheduler = new FairScheduler({ perSessionRunning: 1 });
    await expect(scheduler.run('s', false, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      scheduler.run('s', false, () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    await expect(scheduler.run('s', false, async () => 'ok')).resolves.toBe('ok');
    expect(scheduler.load.running).toBe(0);
  });

  it('classifies calls by the length of their SQL or command text', () => {
    const base = { action: 'db.query', resource: { type: 'Database', id: 'orders' } };
    expect(isHeavyCall({ ...base, context: { sql: { text: 'SELECT 1' } } })).toBe(false);
    expect(isHeavyCall({ ...base, context: { sql: { text: 'x'.repeat(HEAVY_TEXT_CHARS + 1) } } })).toBe(true);
    expect(isHeavyCall({ ...base, context: { command: { text: 'y'.repeat(HEAVY_TEXT_CHARS + 1) } } })).toBe(true);
  });
});

describe('DecideStream: one session flooding the service', () => {
  let work = '';
  let server: TestServer;
  /** Evaluations wait here until the test opens the gate: decisions stay running. */
  let openGate: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (openGate = resolve));

  beforeAll(async () => {
    await initFactExtractors();
    work = mkdtempSync(join(tmpdir(), 'gatehouse-fair-stream-'));
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildFixtureBundle(work, 'policy', BASE_POLICY, bundlePath);
    server = await startTestServer(work, bundlePath, {
      bundleSource: {
        path: bundlePath,
        watch: false,
        load: async (): Promise<ActivatableBundle> => {
          const bundle = await loadBundle(bundlePath);
          return {
            revision: bundle.revision,
            evaluate: (input) => bundle.evaluate(input),
            evaluateOffThread: async (input) => {
              await gate;
              return bundle.evaluate(input);
            },
            close: () => bundle.close(),
          };
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    openGate();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('past its share gets RESOURCE_EXHAUSTED with a clear message; another session on the same stream is still decided', async () => {
    gate = new Promise<void>((resolve) => (openGate = resolve));
    const stream = server.client.DecideStream();
    const answers = new Map<string, DecideStreamResponse__Output>();
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: DecideStreamResponse__Output) => answers.set(message.request_id, message));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const flood = 50;
    for (let i = 0; i < flood; i++) stream.write({ request: query('dev', { request_id: `flood-${i}`, session_id: 'flooder' }) });
    stream.write({ request: query('dev', { request_id: 'polite-1', session_id: 'polite' }, 'SELECT 1') });
    // 8 running and 32 waiting are taken; the other 10 are refused at once, before any is decided.
    while (answers.size < flood - 8 - 32) await new Promise((r) => setTimeout(r, 10));
    const refused = [...answers.values()];
    expect(refused.map((a) => a.request_id)).toEqual(Array.from({ length: 10 }, (_, i) => `flood-${40 + i}`));
    for (const answer of refused) {
      expect(answer.error).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      expect(answer.error?.message).toBe('session "flooder" has 8 decisions running and 32 waiting, its share of the service; wait for answers before sending more');
    }
    openGate();
    stream.end();
    await done;
    expect(answers.size).toBe(flood + 1);
    expect(answers.get('polite-1')?.response?.effect).toBe('EFFECT_ALLOW');
    expect([...answers.values()].filter((a) => a.response?.effect === 'EFFECT_ALLOW').length).toBe(8 + 32 + 1);
  }, 120_000);
});
