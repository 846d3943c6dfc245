import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait-until.ts';
import { gatehouse, readEvents, type Stack, startStack } from './e2e-stack.ts';

// Co-location as a user runs it: `gatehouse serve --listen unix:…`, `gatehouse token issue` and
// `gatehouse proxy postgres --decision unix:… --listen unix:DIR/.s.PGSQL.PORT` over it, and psql
// connecting with host=DIR.

const STAGING = 'orders-staging';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack([STAGING], { unixSockets: true });
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

describe('decision service and PostgreSQL proxy on Unix domain sockets', () => {
  it('psql reaches the proxy socket, the proxy decides over the service socket, and both sockets are owner-only', async () => {
    expect(stack.decision).toBe(`unix:${join(stack.work, 'decision.sock')}`);
    const port = stack.proxies[STAGING]!.port;
    expect((await stat(join(stack.work, 'decision.sock'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(stack.work, `.s.PGSQL.${port}`))).mode & 0o777).toBe(0o600);

    const planner = await stack.identity('pat', ['payments']);
    const issued = await gatehouse(['token', 'issue', '--decision', stack.decision, '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${STAGING}`, '--ttl', '10m', '--executor', 'agent-7'], planner);
    expect(issued.stderr).not.toMatch(/must be/);
    expect(issued.code).toBe(0);
    const token = issued.stdout.trim();

    const run = await stack.psql(STAGING, token, ['-A', '-t', '-c', 'SELECT name FROM customers ORDER BY id']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['Ann', 'Bob', 'Cy']);

    // The proxy records the statement's event as the session goes on; psql may exit first.
    const recorded = await waitUntil('the SELECT in the proxy audit file', async () => {
      const { events } = await readEvents(stack.proxies[STAGING]!.auditPath);
      return events.some((event) => JSON.stringify(event).includes('SELECT name FROM customers'));
    });
    expect(recorded).toBe(true);
  });
});
