import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouse, type Background, type Stack, startStack } from './e2e-stack.ts';

// When the decision service goes away, the data path stops: the statement of an open psql
// session is refused with a clear error, a new connection is refused, and the proxy stays up.

const STAGING = 'orders-staging';

let stack: Stack;
let token = '';

beforeAll(async () => {
  stack = await startStack([STAGING]);
  const planner = await stack.identity('pat', ['payments']);
  const issued = await gatehouse(['token', 'issue', '--decision', stack.decision, '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${STAGING}`, '--ttl', '10m', '--executor', 'agent-7'], planner);
  if (issued.code !== 0) throw new Error(`token issue failed: ${issued.stderr}`);
  token = issued.stdout.trim();
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

/** Writes one line to the open psql session and waits for `marker` in its output. */
async function send(session: Background, line: string, marker: RegExp): Promise<void> {
  session.child.stdin!.write(`${line}\n`);
  await session.waitFor(marker, 90_000);
}

describe('the decision service stops', () => {
  it('the next statement of an open session is refused (fail closed), a held statement is refused, a new connection is refused, the proxy keeps running', async () => {
    const session = stack.psqlSession(STAGING, token, ['-A', '-t']);
    const held = stack.psqlSession(STAGING, token, ['-c', 'DELETE FROM customers']);
    try {
      await send(session, "SELECT 'before' || '-stop';", /before-stop/);
      await held.waitFor(/NOTICE:.*approval \S+ required/, 60_000);

      expect(await stack.serve.stop()).toBe(0);

      // The held DELETE was waiting on the approval service: it is refused, never run.
      await held.exited;
      expect(held.stderr).toMatch(/ERROR:  42501: denied by policy: approval:\S+: approval service unavailable/);
      expect(held.stdout).not.toContain('DELETE');
      expect(await stack.proxies[STAGING]!.database.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 3 }]);

      await send(session, "SELECT 'after' || '-stop';", /ERROR:.*\n?.*fail closed/);
      expect(session.stderr).toMatch(/ERROR:  42501: denied by policy: .*decision service unavailable .*; denied \(fail closed\)/);
      expect(session.stdout).not.toContain('after-stop');
      session.child.stdin!.end('\\q\n');
      await session.exited;
    } finally {
      await session.stop();
      await held.stop();
    }

    const fresh = await stack.psql(STAGING, token, ['-c', 'SELECT 1']);
    expect(fresh.code).not.toBe(0);
    expect(fresh.stderr).toMatch(/FATAL:  connection denied: .*decision service unavailable .*; denied \(fail closed\)/);
    expect(stack.proxies[STAGING]!.process.running).toBe(true);
  });
});
