import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, execOn, upstreamFixture } from '../dataplane/ssh/ssh-proxy-fixture.ts';
import { freePort } from '../support/free-port.ts';
import { createTestDatabase } from '../engine/control/state/postgres-test-database.ts';
import { OidcTestIssuer } from '../engine/control/tokens/oidc-test-issuer.ts';
import {
  createSeededDatabase,
  eventually,
  gatehouse,
  readEvents,
  runProgram,
  startBackground,
  GATEHOUSE,
  ROOT,
  type Background,
  type TestDatabase,
} from './e2e-stack.ts';

// Two `gatehouse serve` replicas on one PostgreSQL state store (docs/deployment.md), and two
// `gatehouse proxy postgres` in front of the same database, each given both replicas in a
// different order: P1 decides through B first, P2 through A first. Then replica A is killed.

const RESOURCE = 'orders-staging';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let work: string;
let idp: OidcTestIssuer;
let state: { url: string; drop(): Promise<void> };
let database: TestDatabase;
const replicas: Record<'a' | 'b', { address: string; audit: string; process: Background }> = {} as never;
const proxies: Record<'p1' | 'p2' | 'ssh', { port: number; audit: string; process: Background }> = {} as never;
const started: Background[] = [];
let planner: string;
let reviewer: string;

async function startReplica(name: 'a' | 'b', kek: string): Promise<void> {
  const address = `127.0.0.1:${await freePort()}`;
  const audit = join(work, `audit-${name}.jsonl`);
  await mkdir(join(work, name)); // each builds policy/ into its own ./var
  const serve = startBackground(
    `serve ${name}`,
    process.execPath,
    [
      GATEHOUSE, 'serve',
      '--bundle', join(ROOT, 'policy'),
      '--listen', address,
      '--metrics', 'off',
      '--state', state.url,
      '--audit', `file:${audit}`,
      '--audit-source', `gatehouse://e2e/replica-${name}`,
      '--oidc-issuer', idp.issuer,
      '--oidc-audience', idp.audience,
      '--oidc-jwks', `${idp.issuer}/jwks`,
    ],
    { cwd: join(work, name), env: { GATEHOUSE_KEK: kek } },
  );
  started.push(serve);
  replicas[name] = { address, audit, process: serve };
}

async function startProxy(name: 'p1' | 'p2', order: ('a' | 'b')[]): Promise<void> {
  const port = await freePort();
  const audit = join(work, `proxy-${name}.jsonl`);
  const proxy = startBackground(
    `proxy ${name}`,
    process.execPath,
    [
      GATEHOUSE, 'proxy', 'postgres',
      '--listen', `127.0.0.1:${port}`,
      '--upstream', database.proxyUrl,
      '--resource', RESOURCE,
      '--decision', order.map((r) => replicas[r].address).join(','),
      '--audit', `file:${audit}`,
      '--audit-source', `gatehouse://e2e/proxy-${name}`,
      '--decision-timeout-ms', '10000',
    ],
    { cwd: work },
  );
  started.push(proxy);
  proxies[name] = { port, audit, process: proxy };
}

/** `gatehouse proxy ssh` in front of the real sshd, deciding through A first. */
async function startSshProxy(): Promise<void> {
  const upstream = upstreamFixture();
  const port = await freePort();
  const audit = join(work, 'proxy-ssh.jsonl');
  const proxy = startBackground(
    'proxy ssh',
    process.execPath,
    [
      GATEHOUSE, 'proxy', 'ssh',
      '--listen', `127.0.0.1:${port}`,
      '--upstream', `ssh://${upstream.target.user}@${upstream.target.host}:${upstream.target.port}`,
      '--upstream-key', upstream.keyPath,
      '--upstream-known-hosts', upstream.knownHostsPath,
      '--resource', 'web-staging',
      '--decision', [replicas.a.address, replicas.b.address].join(','),
      '--audit', `file:${audit}`,
      '--audit-source', 'gatehouse://e2e/proxy-ssh',
      '--decision-timeout-ms', '10000',
    ],
    { cwd: work },
  );
  started.push(proxy);
  proxies.ssh = { port, audit, process: proxy };
}

const psqlArgs = (proxy: 'p1' | 'p2') => ['-X', '-v', 'VERBOSITY=verbose', `host=127.0.0.1 port=${proxies[proxy].port} dbname=${RESOURCE} user=agent-7 sslmode=disable`];
const psqlEnv = (token: string) => ({ PGPASSWORD: token, PGCONNECT_TIMEOUT: '60' });

async function issue(maxUses: number, via: 'a' | 'b'): Promise<{ token: string; tokenId: string }> {
  const run = await gatehouse(
    ['token', 'issue', '--decision', replicas[via].address, '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${RESOURCE}`, '--executor', 'agent-7', '--max-uses', String(maxUses), '--ttl', '10m', '--format', 'json'],
    planner,
  );
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { token: string; tokenId: string };
}

interface DecisionLine {
  type: string;
  data: { decisionId?: string; requestId?: string; effect?: string; reasons?: string[]; input?: { token?: { id?: string; uses?: number }; context?: { sql?: { text?: string } } } };
}

async function decisionsOf(tokenId: string): Promise<DecisionLine[]> {
  const all: DecisionLine[] = [];
  for (const replica of Object.values(replicas)) {
    const { events } = await readEvents(replica.audit);
    for (const event of events as unknown as DecisionLine[]) if (event.type === 'gatehouse.decision.v1' && event.data.input?.token?.id === tokenId) all.push(event);
  }
  return all;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gh-replicas-'));
  idp = await OidcTestIssuer.start();
  state = await createTestDatabase('gh_replica_state');
  database = await createSeededDatabase('gh_replica_orders');
  const kek = randomBytes(32).toString('hex');
  await startReplica('a', kek);
  await startReplica('b', kek);
  for (const replica of Object.values(replicas)) await replica.process.waitFor(/"msg":"decision service listening"/);
  await startProxy('p1', ['b', 'a']);
  await startProxy('p2', ['a', 'b']);
  await startSshProxy();
  await proxies.p1.process.waitFor(/"msg":"postgres proxy ready"/);
  await proxies.p2.process.waitFor(/"msg":"postgres proxy ready"/);
  await proxies.ssh.process.waitFor(/"msg":"ssh proxy ready"/);
  planner = await idp.token('pat', { groups: ['payments'], ttlSeconds: 900 });
  reviewer = await idp.token('rita', { groups: ['reviewers'], ttlSeconds: 900 });
}, 300_000);

afterAll(async () => {
  for (const child of started.reverse()) await child.stop().catch(() => undefined);
  await database?.drop().catch(() => undefined);
  await state?.drop().catch(() => undefined);
  await idp?.close().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

describe('two serve replicas on PostgreSQL state', () => {
  it('token uses stay exact across replicas: each use counted once, the one past the limit refused', async () => {
    const { token, tokenId } = await issue(6, 'a');
    let refused = '';
    for (let i = 0; i < 8 && !refused; i++) {
      const run = await runProgram('psql', [...psqlArgs(i % 2 === 0 ? 'p1' : 'p2'), '-At', '-c', `SELECT ${i}`], { env: psqlEnv(token) });
      if (run.code !== 0) refused = run.stderr;
    }
    expect(refused).toMatch(/token:uses/);
    const decisions = await decisionsOf(tokenId);
    // A connect checks the token without spending a use; each statement spends one.
    const allowed = decisions.filter((d) => d.data.effect === 'allow' && (d.data.input as { action?: string }).action === 'db.query');
    expect(allowed).toHaveLength(6);
    expect(allowed.map((d) => d.data.input!.token!.uses).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    // both replicas took part
    const byReplica = await Promise.all(Object.values(replicas).map(async (r) => (await readEvents(r.audit)).events.filter((e) => e.data.input && (e.data.input as DecisionLine['data']['input'])!.token?.id === tokenId).length));
    expect(byReplica.every((n) => n > 0)).toBe(true);
  });

  it('an approval granted through replica A releases a statement held through replica B', async () => {
    const { token } = await issue(20, 'b');
    const session = startBackground('psql p1', 'psql', [...psqlArgs('p1'), '-c', 'DELETE FROM customers WHERE true'], { env: psqlEnv(token) });
    started.push(session);
    const notice = await session.waitFor(new RegExp(`NOTICE:.*approval (${UUID}) required`), 60_000);
    const approvalId = notice[1]!;
    // Held on B: replica B's audit has the require_approval decision.
    const onB = (await readEvents(replicas.b.audit)).events.filter((e) => e.type === 'gatehouse.approval.v1' && e.data.approvalId === approvalId);
    expect(onB.length).toBeGreaterThan(0);
    const approved = await gatehouse(['approvals', 'approve', approvalId, '--decision', replicas.a.address, '--comment', 'replica test'], reviewer);
    expect(approved.code, approved.stderr).toBe(0);
    expect(await session.exited, session.log()).toBe(0);
    expect(session.stdout).toContain('DELETE 3');
  });

  it('replica A killed mid-session: the data planes go on through B, no decision lost or doubled, both chains verify', async () => {
    const { token, tokenId } = await issue(50, 'b');
    const sshIssued = await gatehouse(
      ['token', 'issue', '--decision', replicas.b.address, '--action', 'ssh.connect', '--action', 'ssh.exec', '--resource', 'Host:web-staging', '--executor', 'agent-7', '--ttl', '10m', '--format', 'json'],
      await idp.token('wes', { groups: ['web'], ttlSeconds: 900 }),
    );
    expect(sshIssued.code, sshIssued.stderr).toBe(0);
    const sshToken = (JSON.parse(sshIssued.stdout) as { token: string; tokenId: string });
    const ssh = await connectClient(proxies.ssh.port, sshToken.token);
    expect((await execOn(ssh, 'echo ssh-before')).stdout).toBe('ssh-before\n');
    const session = startBackground('psql p2', 'psql', [...psqlArgs('p2'), '-At'], { env: psqlEnv(token) });
    started.push(session);
    session.child.stdin!.write("SELECT 'before-' || 1;\n");
    await session.waitFor(/before-1/);
    // A decided so far (P2 lists it first).
    expect((await decisionsOf(tokenId)).some((d) => d.data.input?.context?.sql?.text?.includes('before-'))).toBe(true);

    // A statement held for approval, its wait on A (P2 lists A first).
    const held = startBackground('psql p2 held', 'psql', [...psqlArgs('p2'), '-c', 'DELETE FROM customers WHERE true'], { env: psqlEnv(token) });
    started.push(held);
    const heldId = (await held.waitFor(new RegExp(`NOTICE:.*approval (${UUID}) required`), 60_000))[1]!;

    replicas.a.process.child.kill('SIGKILL');
    await replicas.a.process.exited;

    // Approved through B: the wait re-opened on B (with the capability A handed out) releases it.
    const approved = await gatehouse(['approvals', 'approve', heldId, '--decision', replicas.b.address], reviewer);
    expect(approved.code, approved.stderr).toBe(0);
    expect(await held.exited, held.log()).toBe(0);
    expect(held.stdout).toMatch(/^DELETE \d+$/m);

    for (let i = 1; i <= 5; i++) session.child.stdin!.write(`SELECT 'after-' || ${i};\n`);
    // The same SSH connection: its next commands are decided by B.
    for (let i = 1; i <= 3; i++) expect(await execOn(ssh, `echo ssh-after-${i}`)).toMatchObject({ code: 0, stdout: `ssh-after-${i}\n` });
    ssh.end();
    const sshOnB = (await readEvents(replicas.b.audit)).events.filter(
      (e) => e.type === 'gatehouse.decision.v1' && /ssh-after-/.test(String((e.data.input as { context?: { command?: { text?: string } } })?.context?.command?.text ?? '')),
    );
    expect(sshOnB.map((e) => (e.data.input as { context: { command: { text: string } } }).context.command.text).sort()).toEqual(['echo ssh-after-1', 'echo ssh-after-2', 'echo ssh-after-3']);
    await session.waitFor(/after-5/, 90_000);
    session.child.stdin!.end();
    expect(await session.exited, session.log()).toBe(0);
    for (let i = 1; i <= 5; i++) expect(session.stdout).toContain(`after-${i}`);

    // Every statement was decided once: one allow per statement text, uses counted once each.
    const decisions = (await decisionsOf(tokenId)).filter((d) => d.data.effect === 'allow');
    for (let i = 1; i <= 5; i++) {
      expect(decisions.filter((d) => d.data.input?.context?.sql?.text === `SELECT 'after-' || ${i};` || d.data.input?.context?.sql?.text === `SELECT 'after-' || ${i}`)).toHaveLength(1);
    }
    // ... and by replica B, the one left.
    const onB = (await readEvents(replicas.b.audit)).events.filter((e) => e.type === 'gatehouse.decision.v1' && String((e.data.input as DecisionLine['data']['input'])?.context?.sql?.text ?? '').includes('after-'));
    expect(onB).toHaveLength(5);
    // (a connect reports the count so far without spending a use: statements only)
    const uses = decisions.filter((d) => (d.data.input as { action?: string }).action === 'db.query').map((d) => d.data.input!.token!.uses!);
    expect(new Set(uses).size).toBe(uses.length);

    for (const replica of Object.values(replicas)) {
      const verify = await gatehouse(['audit', 'verify', '--source', `file:${replica.audit}`]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
    await eventually('proxy p2 still serving', async () => (proxies.p2.process.running ? true : undefined));
  }, 180_000);
});
