import { describe, expect, it } from 'vitest';
import { FairScheduler, isHeavyCall, HEAVY_TEXT_CHARS } from '../../engine/service/fair-scheduler.ts';
import { ResourceExhaustedError } from '../../engine/service/request-errors.ts';

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
    await expect(refused).rejects.toMatchObject({ grpcCode: 8, message: expect.stringContaining('session "session-a" has 2 decisions running and 3 waiting') });

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
