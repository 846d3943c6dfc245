import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gatehouse, readEvents, startBackground, GATEHOUSE, ROOT, type Stack, startStack } from './e2e-stack.ts';

// The planner/executor flow of docs/walkthrough.md, end to end through public interfaces only:
// `gatehouse serve` on the example policy, `gatehouse proxy postgres` in front of real
// PostgreSQL for the production database `orders` and `orders-staging` (both owned by the
// `payments` group in policy/data.json), the CLI for planners and reviewers, real psql and the
// pg driver for the executor.

const PROD = 'orders';
const STAGING = 'orders-staging';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let stack: Stack;
/** OIDC identities: the planner (owns the databases), a reviewer, the executor's own identity, an outsider. */
let planner: string;
let reviewer: string;
let executorAsReviewer: string;
let outsider: string;
/** Every secret handed out in this run, to prove none reaches the audit trail. */
const secrets: string[] = [];
let prodToken = '';
let deleteApprovalId = '';

const d = () => ['--decision', stack.decision];

async function issueJson(identity: string, resource: string, extra: string[]): Promise<{ token: string; tokenId: string; code: number; stderr: string }> {
  const run = await gatehouse(['token', 'issue', ...d(), '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${resource}`, '--executor', 'agent-7', '--format', 'json', ...extra], identity);
  const parsed = run.code === 0 ? (JSON.parse(run.stdout) as { token: string; tokenId: string }) : { token: '', tokenId: '' };
  if (parsed.token) secrets.push(parsed.token);
  return { ...parsed, code: run.code, stderr: run.stderr };
}

beforeAll(async () => {
  stack = await startStack([PROD, STAGING]);
  planner = await stack.identity('pat', ['payments']);
  reviewer = await stack.identity('rita', ['reviewers']);
  executorAsReviewer = await stack.identity('agent-7', ['reviewers']);
  outsider = await stack.identity('wes', ['web']);
  secrets.push(planner, reviewer, executorAsReviewer, outsider);
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

describe('planner: tokens from policy', () => {
  it('a staging token is issued at once: stdout is the token, stderr names its id and expiry', async () => {
    const run = await gatehouse(['token', 'issue', ...d(), '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${STAGING}`, '--ttl', '5m', '--max-uses', '5', '--executor', 'agent-7'], planner);
    expect(run.stderr).toMatch(new RegExp(`^gatehouse: token ${UUID} expires `));
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    secrets.push(token);
    expect(token.split('.')).toHaveLength(3);
  });

  it('a planner whose groups do not own the database is refused with the policy reason', async () => {
    const run = await gatehouse(['token', 'issue', ...d(), '--action', 'db.query', '--resource', `Database:${STAGING}`, '--ttl', '5m'], outsider);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the planner's groups do not own Database:orders-staging");
  });

  it('a production token without --wait exits 4 with the approval id; a reviewer denies it', async () => {
    const run = await gatehouse(['token', 'issue', ...d(), '--action', 'db.query', '--resource', `Database:${PROD}`, '--ttl', '5m'], planner);
    expect(run.code).toBe(4);
    const id = new RegExp(`approval (${UUID}) pending: .*production resource needs a reviewer's approval`).exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    const denied = await gatehouse(['approvals', 'deny', id!, ...d(), '--comment', 'not today'], reviewer);
    expect(denied.stderr).toBe(`gatehouse: denied ${id}\n`);
    expect(denied.code).toBe(0);
  });

  it('a production token waits for a reviewer: nobody else may approve it, then --wait prints the token', async () => {
    const waiting = startBackground(
      'token issue --wait',
      process.execPath,
      [GATEHOUSE, 'token', 'issue', ...d(), '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${PROD}`, '--ttl', '10m', '--max-uses', '20', '--executor', 'agent-7', '--wait', '--format', 'json'],
      { env: { GATEHOUSE_OIDC_TOKEN: planner } },
    );
    try {
      const id = (await waiting.waitFor(new RegExp(`approval (${UUID}) pending`), 60_000))[1]!;

      const listed = await gatehouse(['approvals', 'list', ...d()], reviewer);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`${id}\\s+pending\\s+pat \\(executor agent-7\\)\\s+token.issue Database:orders`));

      const self = await gatehouse(['approvals', 'approve', id, ...d()], planner);
      expect(self.code).toBe(1);
      expect(self.stderr).toBe(`gatehouse: permission denied: pat is the subject of approval ${id} and cannot review it [GATEHOUSE_APPROVAL_SELF]\n`);
      const asExecutor = await gatehouse(['approvals', 'approve', id, ...d()], executorAsReviewer);
      expect(asExecutor.code).toBe(1);
      expect(asExecutor.stderr).toContain(`agent-7 is the executor of approval ${id}`);
      const stranger = await gatehouse(['approvals', 'approve', id, ...d()], outsider);
      expect(stranger.code).toBe(1);
      expect(stranger.stderr).toContain('only members of a reviewers group review approvals');
      expect(waiting.running).toBe(true);

      const approved = await gatehouse(['approvals', 'approve', id, ...d(), '--comment', 'change OPS-1'], reviewer);
      expect(approved).toMatchObject({ code: 0, stderr: `gatehouse: approved ${id}\n` });
      expect(await waiting.exited, waiting.log()).toBe(0);
      const issued = JSON.parse(waiting.stdout) as { token: string; approvalId: string };
      expect(issued.approvalId).toBe(id);
      prodToken = issued.token;
      secrets.push(prodToken);
      expect(prodToken.split('.')).toHaveLength(3);
    } finally {
      await waiting.stop();
    }
  });
});

describe('executor: psql and the pg driver through the proxy', () => {
  it('an allowed SELECT returns the rows with email masked', async () => {
    const run = await stack.psql(PROD, prodToken, ['-A', '-t', '-c', 'SELECT id, name, email FROM customers ORDER BY id']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['1|Ann|********', '2|Bob|********', '3|Cy|********']);
  });

  it('SELECT * and an alias are masked too', async () => {
    const run = await stack.psql(PROD, prodToken, ['-A', '-t', '-c', 'SELECT * FROM customers WHERE id = 1', '-c', 'SELECT c.email AS contact FROM customers c WHERE c.id = 2']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['1|Ann|********', '********']);
    expect(run.stdout).not.toContain('@example.com');
  });

  it('the pg driver (extended protocol, bound parameter) sees the mask as well', async () => {
    const proxy = stack.proxies[PROD]!;
    const client = new pg.Client({ host: '127.0.0.1', port: proxy.port, database: PROD, user: 'agent-7', password: prodToken });
    await client.connect();
    try {
      const result = await client.query<{ name: string; email: string }>('SELECT name, email FROM customers WHERE id = $1', [3]);
      expect(result.rows).toEqual([{ name: 'Cy', email: '********' }]);
    } finally {
      await client.end();
    }
  });

  it('a DROP is refused with SQLSTATE 42501 and the same session goes on', async () => {
    const run = await stack.psql(PROD, prodToken, ['-A', '-t'], { input: 'DROP TABLE customers;\nSELECT count(*) FROM customers;\n' });
    expect(run.stderr).toContain('ERROR:  42501: denied by policy: rego:gatehouse/sql/production-ddl: DROP is not allowed on production');
    expect(run.stdout.trim()).toBe('3');
    expect(await stack.proxies[PROD]!.database.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 3 }]);
  });

  it('a masked column used in a filter is refused (its value would leak around the mask)', async () => {
    const run = await stack.psql(PROD, prodToken, ['-c', "SELECT id FROM customers WHERE email LIKE 'ann%'"]);
    expect(run.stderr).toContain('42501');
    expect(run.stderr).toContain('column email is masked for you and cannot be used in filter');
  });

  it('a DELETE without WHERE prints a NOTICE with the approval id and waits; the planner cannot approve it; a reviewer can, then it runs', async () => {
    const session = stack.psqlSession(PROD, prodToken, ['-c', 'DELETE FROM customers']);
    try {
      const notice = await session.waitFor(new RegExp(`NOTICE:.*approval (${UUID}) required \\(rego:gatehouse/sql/unbounded-write: DELETE does not bound its rows by a key \\(id = constant\\); a reviewer must approve\\)`), 60_000);
      deleteApprovalId = notice[1]!;
      expect(session.stderr).toContain(`gatehouse approvals approve ${deleteApprovalId} --decision ${stack.decision}`);
      // Held: the database has not seen the statement.
      expect(await stack.proxies[PROD]!.database.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 3 }]);

      const listed = await gatehouse(['approvals', 'list', ...d()], reviewer);
      expect(listed.stdout).toMatch(new RegExp(`${deleteApprovalId}\\s+pending\\s+pat \\(executor agent-7\\)\\s+db.query Database:orders\\s+"DELETE FROM customers"`));
      const shown = await gatehouse(['approvals', 'show', deleteApprovalId, ...d(), '--format', 'json'], reviewer);
      expect(JSON.parse(shown.stdout)).toMatchObject({ approvalId: deleteApprovalId, status: 'pending', subject: 'pat', executor: 'agent-7', text: 'DELETE FROM customers' });

      const self = await gatehouse(['approvals', 'approve', deleteApprovalId, ...d()], planner);
      expect(self.code).toBe(1);
      expect(self.stderr).toContain(`pat is the subject of approval ${deleteApprovalId} and cannot review it`);
      expect(session.running).toBe(true);

      const approved = await gatehouse(['approvals', 'approve', deleteApprovalId, ...d(), '--comment', 'cleanup OPS-2', '--window', '10m'], reviewer);
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stderr).toMatch(new RegExp(`^gatehouse: approved ${deleteApprovalId} \\(window until `));
      expect(await session.exited, session.log()).toBe(0);
      expect(session.stdout).toContain('DELETE 3');
      expect(await stack.proxies[PROD]!.database.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 0 }]);
    } finally {
      await session.stop();
    }
  });

  it('within the approval window the same DELETE runs again without a new approval', async () => {
    const run = await stack.psql(PROD, prodToken, ['-c', 'DELETE FROM customers']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('DELETE 0');
  });

  it('someone outside the reviewers group, and no party to it, does not see the approvals', async () => {
    const listed = await gatehouse(['approvals', 'list', ...d(), '--status', 'all'], outsider);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(deleteApprovalId);
  });
});

describe('held statements that do not run', () => {
  async function holdDelete(token: string) {
    const session = stack.psqlSession(STAGING, token, ['-c', 'DELETE FROM customers']);
    const id = (await session.waitFor(new RegExp(`NOTICE:.*approval (${UUID}) required`), 60_000))[1]!;
    return { session, id };
  }

  it('a reviewer denies a held DELETE: psql gets 42501 and the rows stay', async () => {
    const issued = await issueJson(planner, STAGING, ['--ttl', '5m']);
    expect(issued.code, issued.stderr).toBe(0);
    const { session, id } = await holdDelete(issued.token);
    try {
      const denied = await gatehouse(['approvals', 'deny', id, ...d(), '--comment', 'use a WHERE clause'], reviewer);
      expect(denied.code).toBe(0);
      await session.exited;
      expect(session.stderr).toMatch(/ERROR:  42501: .*approval:\S+: denied by rita \(use a WHERE clause\)/);
      expect(session.stdout).not.toContain('DELETE');
    } finally {
      await session.stop();
    }
    expect(await stack.proxies[STAGING]!.database.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 3 }]);
  });

  it('a token revoked while its statement is held is checked again at release: approve fails, the DELETE does not run', async () => {
    const issued = await issueJson(planner, STAGING, ['--ttl', '5m']);
    expect(issued.code, issued.stderr).toBe(0);
    const { session, id } = await holdDelete(issued.token);
    try {
      const revoked = await gatehouse(['token', 'revoke', ...d(), '--token-id', issued.tokenId], planner);
      expect(revoked.code).toBe(0);
      const approve = await gatehouse(['approvals', 'approve', id, ...d()], reviewer);
      expect(approve.code).toBe(1);
      expect(approve.stderr).toContain(`approval ${id} was not released: token:revoked:`);
      await session.exited;
      expect(session.stderr).toContain('ERROR:  42501');
      expect(session.stdout).not.toContain('DELETE');
    } finally {
      await session.stop();
    }
    expect(await stack.proxies[STAGING]!.database.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 3 }]);
  });
});

describe('a custom data plane over gRPC (proto/gatehouse/v1/decision.proto)', () => {
  interface DecideResponse {
    decision_id: string;
    effect: string;
    reasons: string[];
  }
  type DecisionClient = grpc.Client & { Decide(request: unknown, callback: (error: grpc.ServiceError | null, response?: DecideResponse) => void): void };

  function decisionClient(): DecisionClient {
    const definition = protoLoader.loadSync('gatehouse/v1/decision.proto', { keepCase: true, enums: String, defaults: true, includeDirs: [join(ROOT, 'proto')] });
    const v1 = (grpc.loadPackageDefinition(definition) as unknown as { gatehouse: { v1: { DecisionService: new (address: string, credentials: grpc.ChannelCredentials) => DecisionClient } } }).gatehouse.v1;
    return new v1.DecisionService(stack.decision, grpc.credentials.createInsecure());
  }

  const struct = (text: string) => ({ fields: { sql: { structValue: { fields: { text: { stringValue: text } } } } } });

  it('the subject comes from the token, a retried request_id is answered again without a second use, a new one is refused naming uses', async () => {
    const issued = await issueJson(planner, STAGING, ['--ttl', '5m', '--max-uses', '1']);
    expect(issued.code, issued.stderr).toBe(0);
    const client = decisionClient();
    const decide = (requestId: string) =>
      new Promise<DecideResponse>((done, fail) =>
        client.Decide(
          {
            // A caller-supplied subject is ignored when a token is present.
            subject: { id: 'mallory', type: 'User', groups: ['dba'] },
            action: 'db.query',
            resource: { type: 'Database', id: STAGING },
            context: struct('SELECT id, email FROM customers'),
            token: issued.token,
            session_id: 'e2e-grpc-session',
            request_id: requestId,
          },
          (error, response) => (error ? fail(error) : done(response!)),
        ),
      );
    try {
      const first = await decide('e2e-grpc-1');
      expect(first.effect).toBe('EFFECT_ALLOW');
      const retried = await decide('e2e-grpc-1');
      expect(retried).toMatchObject({ effect: 'EFFECT_ALLOW', decision_id: first.decision_id });
      const second = await decide('e2e-grpc-2');
      expect(second.effect).toBe('EFFECT_DENY');
      expect(second.reasons[0]).toMatch(/^token:uses: /);

      const { events } = await readEvents(stack.serveAuditPath);
      const recorded = events.find((e) => e.type === 'gatehouse.decision.v1' && e.data.decisionId === first.decision_id);
      expect(recorded?.data).toMatchObject({ effect: 'allow', sessionId: 'e2e-grpc-session', obligations: { mask: expect.arrayContaining(['email']) } });
      expect((recorded!.data.input as { subject: { id: string } }).subject.id).toBe('pat');
    } finally {
      client.close();
    }
  });
});

describe('use limits, expiry and revocation', () => {
  it('a token with --max-uses 2 runs two statements; the third is refused naming uses', async () => {
    const issued = await issueJson(planner, STAGING, ['--ttl', '5m', '--max-uses', '2']);
    expect(issued.code, issued.stderr).toBe(0);
    const run = await stack.psql(STAGING, issued.token, ['-A', '-t', '-c', 'SELECT 1', '-c', 'SELECT 2', '-c', 'SELECT 3']);
    expect(run.stdout.trim().split('\n')).toEqual(['1', '2']);
    expect(run.stderr).toContain("42501: denied by policy: token:uses: the token's 2 use(s) are spent");
  });

  it('an expired token is refused at connect', async () => {
    const issued = await issueJson(planner, STAGING, ['--ttl', '1s']);
    expect(issued.code, issued.stderr).toBe(0);
    // The service allows a few seconds of clock skew, so wait for the refusal rather than a fixed time.
    // A token that expires between the connect check and the first statement is refused by the
    // statement instead (ERROR 42501); keep waiting until the refusal happens at connect.
    const refused = await eventually('the 1-second token is refused at connect', async () => {
      const run = await stack.psql(STAGING, issued.token, ['-c', 'SELECT 1']);
      return run.code !== 0 && run.stderr.includes('FATAL:') ? run : undefined;
    });
    expect(refused.stderr).toContain('FATAL:  connection denied: token:expired: the token has expired');
  });

  it('a token revoked by its planner is refused at connect, and introspect says why', async () => {
    const issued = await issueJson(planner, STAGING, ['--ttl', '5m']);
    expect(issued.code, issued.stderr).toBe(0);
    const before = await stack.psql(STAGING, issued.token, ['-A', '-t', '-c', 'SELECT 1']);
    expect(before.stdout.trim()).toBe('1');

    const revoked = await gatehouse(['token', 'revoke', ...d(), '--token-id', issued.tokenId], planner);
    expect(revoked.stderr).toMatch(new RegExp(`^gatehouse: revoked token ${issued.tokenId} at `));
    expect(revoked.code).toBe(0);

    const after = await stack.psql(STAGING, issued.token, ['-c', 'SELECT 1']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain(`FATAL:  connection denied: token:revoked: token ${issued.tokenId} was revoked`);
    const introspected = await gatehouse(['token', 'introspect', ...d(), '--token', issued.token, '--format', 'json'], planner);
    expect(introspected.code).toBe(1);
    expect(JSON.parse(introspected.stdout)).toMatchObject({ active: false, inactiveCheck: 'revoked' });
  });

  it("a reviewer revokes every token of another planner; an outsider may not", async () => {
    const other = await stack.identity('pia', ['payments']);
    secrets.push(other);
    const issued = await issueJson(other, STAGING, ['--ttl', '5m']);
    expect(issued.code, issued.stderr).toBe(0);

    const refused = await gatehouse(['token', 'revoke', ...d(), '--subject', 'pia'], outsider);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("only members of a reviewers group revoke other planners' tokens");
    const stillValid = await stack.psql(STAGING, issued.token, ['-A', '-t', '-c', 'SELECT 1']);
    expect(stillValid.stdout.trim()).toBe('1');

    const revoked = await gatehouse(['token', 'revoke', ...d(), '--subject', 'pia'], reviewer);
    expect(revoked.stderr).toMatch(/^gatehouse: revoked every token of pia at /);
    const after = await stack.psql(STAGING, issued.token, ['-c', 'SELECT 1']);
    expect(after.stderr).toContain('FATAL:  connection denied: token:revoked:');
  });
});

describe('the audit trail', () => {
  it('holds decision, token, approval and session events, with no raw token or OIDC credential anywhere', async () => {
    const service = await readEvents(stack.serveAuditPath);
    const proxy = await eventually('the DELETE session has ended in the proxy audit', async () => {
      const read = await readEvents(stack.proxies[PROD]!.auditPath);
      const ends = read.events.filter((e) => e.type === 'gatehouse.session.v1' && e.data.event === 'end');
      const starts = read.events.filter((e) => e.type === 'gatehouse.session.v1' && e.data.event === 'start');
      return ends.length === starts.length && starts.length > 0 ? read : undefined;
    });
    const staging = await readEvents(stack.proxies[STAGING]!.auditPath);
    const all = [...service.events, ...proxy.events, ...staging.events];
    const kinds = new Set(all.map((e) => `${e.type} ${String(e.data.event ?? e.data.kind ?? e.data.effect ?? '')}`));
    for (const kind of [
      'gatehouse.decision.v1 allow',
      'gatehouse.decision.v1 deny',
      'gatehouse.decision.v1 require_approval',
      'gatehouse.token.v1 issued',
      'gatehouse.token.v1 revoked',
      'gatehouse.approval.v1 requested',
      'gatehouse.approval.v1 approved',
      'gatehouse.approval.v1 denied',
      'gatehouse.session.v1 start',
      'gatehouse.session.v1 statement',
      'gatehouse.session.v1 end',
    ]) {
      expect([...kinds], kind).toContain(kind);
    }
    const decisionsAbout = (action: string) => service.events.filter((e) => e.type === 'gatehouse.decision.v1' && (e.data.input as { action?: string }).action === action);
    expect(decisionsAbout('token.issue').length).toBeGreaterThan(0);
    expect(decisionsAbout('db.connect').length).toBeGreaterThan(0);
    expect(decisionsAbout('db.query').length).toBeGreaterThan(0);

    expect(secrets.length).toBeGreaterThan(8);
    const everything = service.raw + proxy.raw + staging.raw + stack.serve.stdout + stack.serve.stderr;
    for (const secret of secrets) {
      expect(everything.includes(secret)).toBe(false);
      // The signature alone would let someone rebuild the token from its (audited) claims.
      expect(everything.includes(secret.split('.')[2]!)).toBe(false);
    }
    const upstreamPassword = decodeURIComponent(new URL(stack.proxies[PROD]!.database.proxyUrl).password);
    expect(everything.includes(upstreamPassword)).toBe(false);
    expect((proxy.raw + staging.raw).includes('@example.com')).toBe(false);
  });

  it('audit verify passes on the service file and on each proxy file', async () => {
    for (const path of [stack.serveAuditPath, stack.proxies[PROD]!.auditPath, stack.proxies[STAGING]!.auditPath]) {
      const run = await gatehouse(['audit', 'verify', '--source', `file:${path}`]);
      expect(run.stdout, run.stderr).toMatch(/every chain intact/);
      expect(run.code).toBe(0);
    }
  });

  it('replay session shows the DELETE session: connect, the held statement, its approval and the rows it affected', async () => {
    const { events } = await readEvents(stack.proxies[PROD]!.auditPath);
    const statement = events.find((e) => e.data.event === 'statement' && e.data.text === 'DELETE FROM customers');
    expect(statement).toBeDefined();
    const sessionId = statement!.subject;
    const run = await gatehouse(['replay', 'session', sessionId, '--source', `file:${stack.serveAuditPath}`, '--source', `file:${stack.proxies[PROD]!.auditPath}`]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/decision allow\s+db.connect Database:orders/);
    expect(run.stdout).toMatch(/session\s+event=start/);
    expect(run.stdout).toMatch(/decision require_approval\s+db.query Database:orders\s+DELETE FROM customers\s+\(rego:gatehouse\/sql\/unbounded-write/);
    expect(run.stdout).toMatch(/session\s+event=statement effect=allow outcome=ok rows=3 .*text=DELETE FROM customers/);
    expect(lines.at(-1)).toMatch(/session\s+event=end/);
    expect(run.stdout).not.toContain(prodToken);
  });
});
