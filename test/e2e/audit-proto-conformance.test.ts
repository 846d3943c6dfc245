import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, execOn, upstreamFixture } from '../dataplane/ssh/ssh-proxy-fixture.ts';
import { auditProtoErrors } from '../support/audit-proto-conformance.ts';
import { freePort } from '../support/free-port.ts';
import { eventually, gatehouse, GATEHOUSE, readEvents, startBackground, type AuditLine, type Background, type Stack, startStack } from './e2e-stack.ts';

// Every kind of audit event the stack writes, produced through public interfaces (the CLI for
// planners and reviewers, psql through the PostgreSQL proxy) and decoded strictly against
// proto/gatehouse/v1/audit.proto: decisions, tokens issued and refused, an approval requested
// and denied, a PostgreSQL session and an SSH session from start to end.

const STAGING = 'orders-staging';
const PROD = 'orders';

let stack: Stack;
let sshProxy: { port: number; auditPath: string; process: Background };

beforeAll(async () => {
  stack = await startStack([STAGING]);
  // `gatehouse proxy ssh` in front of the test sshd, deciding through the stack's service.
  const upstream = upstreamFixture();
  const port = await freePort();
  const auditPath = join(stack.work, 'proxy-ssh.jsonl');
  const proxy = startBackground(
    'gatehouse proxy ssh',
    process.execPath,
    [
      GATEHOUSE, 'proxy', 'ssh',
      '--listen', `127.0.0.1:${port}`,
      '--upstream', `ssh://${upstream.target.user}@${upstream.target.host}:${upstream.target.port}`,
      '--upstream-key', upstream.keyPath,
      '--upstream-known-hosts', upstream.knownHostsPath,
      '--resource', 'web-staging',
      '--decision', stack.decision,
      '--audit', `file:${auditPath}`,
      '--decision-timeout-ms', '10000',
    ],
    { cwd: stack.work },
  );
  sshProxy = { port, auditPath, process: proxy };
  await proxy.waitFor(/"msg":"ssh proxy ready"/);
}, 300_000);

afterAll(async () => {
  await sshProxy?.process.stop();
  await stack?.close();
}, 120_000);

describe('audit events conform to audit.proto', () => {
  it('decision, token, approval and session events of one run all decode strictly', async () => {
    const d = ['--decision', stack.decision];
    const planner = await stack.identity('pat', ['payments']);
    const reviewer = await stack.identity('rita', ['reviewers']);
    const outsider = await stack.identity('wes', ['web']);

    const issued = await gatehouse(['token', 'issue', ...d, '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${STAGING}`, '--ttl', '5m', '--executor', 'agent-7'], planner);
    expect(issued.code, issued.stderr).toBe(0);
    const refused = await gatehouse(['token', 'issue', ...d, '--action', 'db.query', '--resource', `Database:${STAGING}`, '--ttl', '5m'], outsider);
    expect(refused.code, refused.stderr).toBe(1);

    const pending = await gatehouse(['token', 'issue', ...d, '--action', 'db.query', '--resource', `Database:${PROD}`, '--ttl', '5m'], planner);
    expect(pending.code, pending.stderr).toBe(4);
    const approvalId = /approval ([0-9a-f-]{36}) pending/.exec(pending.stderr)?.[1];
    expect(approvalId, pending.stderr).toBeDefined();
    const denied = await gatehouse(['approvals', 'deny', approvalId!, ...d, '--comment', 'not today'], reviewer);
    expect(denied.code, denied.stderr).toBe(0);

    const token = issued.stdout.trim();
    const run = await stack.psql(STAGING, token, ['-A', '-t', '-c', 'SELECT id, email FROM customers WHERE id = 1']);
    expect(run.code, run.stderr).toBe(0);

    const sshIssued = await gatehouse(['token', 'issue', ...d, '--action', 'ssh.connect', '--action', 'ssh.exec', '--resource', 'Host:web-staging', '--executor', 'agent-7', '--ttl', '5m'], outsider);
    expect(sshIssued.code, sshIssued.stderr).toBe(0);
    const ssh = await connectClient(sshProxy.port, sshIssued.stdout.trim());
    expect(await execOn(ssh, 'echo conformance')).toMatchObject({ code: 0, stdout: 'conformance\n' });
    ssh.end();

    // readEvents decodes every line strictly and throws on the first that does not conform.
    const proxyEvents = await eventually('the PostgreSQL session has ended in the proxy audit', async () => {
      const { events } = await readEvents(stack.proxies[STAGING]!.auditPath);
      return events.some((event) => event.type === 'gatehouse.session.v1' && event.data.event === 'end') ? events : undefined;
    });
    const serveEvents = await eventually('the approval is denied in the service audit', async () => {
      const { events } = await readEvents(stack.serveAuditPath);
      return events.some((event) => event.type === 'gatehouse.approval.v1' && event.data.kind === 'denied') ? events : undefined;
    });

    const sshEvents = await eventually('the SSH session has ended in the proxy audit', async () => {
      const { events } = await readEvents(sshProxy.auditPath);
      return events.some((event) => event.type === 'gatehouse.session.v1' && event.data.kind === 'end') ? events : undefined;
    });

    const all: AuditLine[] = [...serveEvents, ...proxyEvents, ...sshEvents];
    for (const event of all) expect(auditProtoErrors(event), JSON.stringify(event)).toEqual([]);
    const kinds = new Set(all.map((event) => `${event.type} ${String(event.data.kind ?? event.data.event ?? '')}`));
    for (const expected of [
      'gatehouse.decision.v1 ',
      'gatehouse.token.v1 issued',
      'gatehouse.token.v1 refused',
      'gatehouse.approval.v1 requested',
      'gatehouse.approval.v1 denied',
      'gatehouse.session.v1 start',
      'gatehouse.session.v1 statement',
      'gatehouse.session.v1 end',
      'gatehouse.session.v1 command',
      'gatehouse.session.v1 output',
      'gatehouse.session.v1 exit',
    ]) {
      expect(kinds, `no ${expected} event among ${[...kinds].join(', ')}`).toContain(expected);
    }
  });
});
