import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { serviceEnv } from '../support/services.ts';
import { OidcTestIssuer } from '../engine/control/tokens/oidc-test-issuer.ts';
import { freePort } from '../support/free-port.ts';
import { expectConformsToAuditProto } from '../support/audit-proto-conformance.ts';

/**
 * The whole Gatehouse stack as a user runs it, through public interfaces only: `gatehouse
 * serve` and `gatehouse proxy postgres` as subprocesses in front of the real PostgreSQL, the
 * example policy in policy/, and a real OIDC issuer (JWKS over HTTP) for planners and reviewers.
 */

export const ROOT = resolve(import.meta.dirname, '../..');
export const GATEHOUSE = join(ROOT, 'bin/gatehouse');
const START_TIMEOUT_MS = 150_000;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a child: this one without any GATEHOUSE_* variable (flags say everything). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEHOUSE_') && !key.startsWith('PG')) env[key] = value;
  return { ...env, ...extra };
}

/** Runs a program to completion (never a shell); a hung child is killed after `timeoutMs`. */
export function runProgram(file: string, args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { env: cleanEnv(options.env), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `bin/gatehouse ARGS` with the caller's OIDC identity in GATEHOUSE_OIDC_TOKEN (when given). */
export function gatehouse(args: string[], identity?: string, options: { timeoutMs?: number } = {}): Promise<RunResult> {
  return runProgram(process.execPath, [GATEHOUSE, ...args], { env: identity ? { GATEHOUSE_OIDC_TOKEN: identity } : {}, ...options });
}

/** A long-running child whose output is kept, so a test can wait for a line and show logs on failure. */
export class Background {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1))));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once `pattern` appears in stdout or stderr; fails with the log when the child exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout) ?? pattern.exec(this.stderr);
      if (match) return match;
      if (!this.running) throw new Error(`${this.name} exited before ${pattern} appeared:\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: ${pattern} did not appear within ${timeoutMs} ms:\n${this.log()}`);
      await sleep(100);
    }
  }

  log(): string {
    return `--- stdout\n${this.stdout.slice(-4000)}\n--- stderr\n${this.stderr.slice(-4000)}`;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 20_000): Promise<number> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}

export function startBackground(name: string, file: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Background {
  const child = spawn(file, args, { env: cleanEnv(options.env), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Background(name, child);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` until it returns a value (not undefined); no timing is asserted, only a generous bound. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The seeded table behind each proxy: personal data in `email`. */
const SEED = `
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
INSERT INTO customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bob', 'bob@example.com'), (3, 'Cy', 'cy@example.com');
GRANT SELECT, INSERT, UPDATE, DELETE ON customers TO gatehouse_proxy;
`;

export interface TestDatabase {
  name: string;
  /** The services superuser on this database (for checks behind the proxy's back). */
  url: string;
  /** The proxy's upstream: the gatehouse_proxy role (no superuser) on this database. */
  proxyUrl: string;
  query<R extends pg.QueryResultRow>(sql: string): Promise<R[]>;
  drop(): Promise<void>;
}

let databases = 0;

/** A fresh database seeded with `seed` (by default the `customers` table above) through the superuser. */
export async function createSeededDatabase(prefix: string, seed: string = SEED): Promise<TestDatabase> {
  const admin = serviceEnv('GATEHOUSE_PG_URL');
  const name = `${prefix}_${process.pid}_${Date.now() % 1_000_000}_${databases++}`;
  const withAdmin = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  await withAdmin(url.toString(), (c) => c.query(seed));
  const proxyUrl = new URL(serviceEnv('GATEHOUSE_PG_PROXY_URL'));
  proxyUrl.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    proxyUrl: proxyUrl.toString(),
    query: async <R extends pg.QueryResultRow>(sql: string) => withAdmin(url.toString(), async (c) => (await c.query<R>(sql)).rows),
    drop: () => withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export interface RunningProxy {
  resource: string;
  port: number;
  auditPath: string;
  process: Background;
  database: TestDatabase;
}

export interface Stack {
  work: string;
  idp: OidcTestIssuer;
  decision: string;
  serveAuditPath: string;
  serve: Background;
  proxies: Record<string, RunningProxy>;
  /** A fresh OIDC ID token from the test issuer. */
  identity(subject: string, groups: string[]): Promise<string>;
  /** `psql` through the proxy for `resource` with `token` as the password. */
  psql(resource: string, token: string, args: string[], options?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** A long-running `psql` through the proxy (statements written to its stdin as the test goes). */
  psqlSession(resource: string, token: string, args?: string[]): Background;
  psqlArgs(resource: string): string[];
  psqlEnv(token: string): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the issuer, `gatehouse serve` on policy/ and one `gatehouse proxy postgres` per
 * resource (each in front of its own seeded database). Every process is a child of the test.
 */
export async function startStack(resources: string[], options: { unixSockets?: boolean } = {}): Promise<Stack> {
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-'));
  const idp = await OidcTestIssuer.start();
  const started: Background[] = [];
  const databasesMade: TestDatabase[] = [];
  const cleanup = async () => {
    for (const child of started.reverse()) await child.stop().catch(() => undefined);
    for (const database of databasesMade) await database.drop().catch(() => undefined);
    await idp.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const grpcPort = await freePort();
    const metricsPort = await freePort();
    // unixSockets: the co-located arrangement, service and proxies on Unix domain sockets in `work`.
    const decision = options.unixSockets ? `unix:${join(work, 'decision.sock')}` : `127.0.0.1:${grpcPort}`;
    const serveAuditPath = join(work, 'audit.jsonl');
    // cwd is the temp dir: serve builds policy/ into ./var/bundle.tar.gz there, not in the checkout.
    const serve = startBackground(
      'gatehouse serve',
      process.execPath,
      [
        GATEHOUSE, 'serve',
        '--bundle', join(ROOT, 'policy'),
        '--listen', decision,
        '--metrics', `127.0.0.1:${metricsPort}`,
        '--audit', `file:${serveAuditPath}`,
        '--oidc-issuer', idp.issuer,
        '--oidc-audience', idp.audience,
        '--oidc-jwks', `${idp.issuer}/jwks`,
      ],
      { cwd: work },
    );
    started.push(serve);
    const proxies: Record<string, RunningProxy> = {};
    const databaseList = await Promise.all(resources.map((resource) => createSeededDatabase(`gh_e2e_${resource.replace(/[^a-z0-9]/g, '_')}`)));
    databasesMade.push(...databaseList);
    await serve.waitFor(/"msg":"decision service listening"/);
    for (const [index, resource] of resources.entries()) {
      const port = await freePort();
      const auditPath = join(work, `proxy-${resource}.jsonl`);
      const proxy = startBackground(
        `gatehouse proxy postgres (${resource})`,
        process.execPath,
        [
          GATEHOUSE, 'proxy', 'postgres',
          '--listen', options.unixSockets ? `unix:${join(work, `.s.PGSQL.${port}`)}` : `127.0.0.1:${port}`,
          '--upstream', databaseList[index]!.proxyUrl,
          '--resource', resource,
          '--decision', decision,
          '--audit', `file:${auditPath}`,
          '--decision-timeout-ms', '10000',
        ],
        { cwd: work },
      );
      started.push(proxy);
      proxies[resource] = { resource, port, auditPath, process: proxy, database: databaseList[index]! };
    }
    for (const proxy of Object.values(proxies)) await proxy.process.waitFor(/"msg":"postgres proxy ready"/);

    const psqlArgs = (resource: string) => {
      const proxy = proxies[resource];
      if (!proxy) throw new Error(`no proxy for ${resource}`);
      return ['-X', '-v', 'VERBOSITY=verbose', `host=${options.unixSockets ? work : '127.0.0.1'} port=${proxy.port} dbname=${resource} user=agent-7 sslmode=disable`];
    };
    const psqlEnv = (token: string) => ({ PGPASSWORD: token, PGCONNECT_TIMEOUT: '60' });
    return {
      work,
      idp,
      decision,
      serveAuditPath,
      serve,
      proxies,
      identity: (subject, groups) => idp.token(subject, { groups, ttlSeconds: 900 }),
      psql: (resource, token, args, options = {}) => runProgram('psql', [...psqlArgs(resource), ...args], { env: psqlEnv(token), ...options }),
      psqlSession: (resource, token, args = []) => startBackground(`psql (${resource})`, 'psql', [...psqlArgs(resource), ...args], { env: psqlEnv(token) }),
      psqlArgs,
      psqlEnv,
      close: cleanup,
    };
  } catch (error) {
    const logs = started.map((child) => `=== ${child.name}\n${child.log()}`).join('\n');
    await cleanup();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}

/**
 * Every audit event in a file: one CloudEvents JSON object per line. Each is decoded strictly
 * against audit.proto first (test/support/audit-proto-conformance.ts): an event with a field the
 * proto does not declare, or a value of the wrong type, fails the test that reads it.
 */
export async function readEvents(path: string): Promise<{ raw: string; events: AuditLine[] }> {
  const raw = await readFile(path, 'utf8').catch(() => '');
  // A line the writer is still appending has no newline yet: it is not an event until it does.
  const complete = raw.slice(0, raw.lastIndexOf('\n') + 1);
  const events: AuditLine[] = [];
  for (const [index, line] of complete.split('\n').entries()) {
    if (line.trim() === '') continue;
    const event: unknown = JSON.parse(line);
    expectConformsToAuditProto(event, `${path} line ${index + 1}`);
    events.push(event as AuditLine);
  }
  return { raw, events };
}

export interface AuditLine {
  id: string;
  source: string;
  type: string;
  subject: string;
  data: Record<string, unknown>;
}
