import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Background, createSeededDatabase, GATEHOUSE, gatehouse, readEvents, ROOT, startBackground, type AuditLine, type TestDatabase } from '../../../e2e/e2e-stack.ts';
import { freePort } from '../../../support/free-port.ts';
import { OidcTestIssuer } from '../../../engine/control/tokens/oidc-test-issuer.ts';

/**
 * Third-party PostgreSQL clients against the real thing: `gatehouse serve` with the example
 * policy in policy/ and one `gatehouse proxy postgres` per resource (child processes, started
 * the way docs/postgres-proxy.md says), each in front of a fresh database of the real
 * PostgreSQL, and a scoped token issued with `gatehouse token issue` (approved by a reviewer on
 * production) as the client's password.
 */

export interface ClientProxy {
  /** The resource id: also the database name clients ask for. */
  resource: string;
  host: string;
  port: number;
  /** The real database behind the proxy. */
  database: TestDatabase;
  /** The planner's scoped token for this resource: the clients' password. */
  token: string;
  /** libpq environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD) for psql, pgbench and psycopg. */
  libpqEnv(): Record<string, string>;
  /** A `pg` client of the real database as its superuser (checks behind the proxy's back). */
  direct(): Promise<pg.Client>;
  /** The proxy's session events (statement texts, outcomes and reasons). */
  sessionEvents(): Promise<AuditLine[]>;
}

export interface ClientStack {
  proxies: Record<string, ClientProxy>;
  proxy(resource: string): ClientProxy;
  /** The decision service's decision events (inputs, effects and obligations). */
  decisionEvents(): Promise<AuditLine[]>;
  /** The logs of serve and the proxies, for a failure message. */
  logs(): string;
  close(): Promise<void>;
}

export interface ClientStackOptions {
  /** The planner's groups (the owning group of the resources; privileged groups see personal data). */
  groups: string[];
  /** Resources of policy/data.json (their env decides what policy allows), each with the SQL that seeds its database. */
  resources: { resource: string; seed: string }[];
}

/** Issues a db.connect/db.query token for the planner; on production a reviewer approves it first. */
async function issueToken(decision: string, resource: string, planner: string, reviewer: string): Promise<string> {
  const issue = startBackground(
    'gatehouse token issue',
    process.execPath,
    [GATEHOUSE, 'token', 'issue', '--decision', decision, '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${resource}`, '--ttl', '15m', '--executor', 'client-test', '--wait'],
    { env: { GATEHOUSE_OIDC_TOKEN: planner } },
  );
  const pending = issue.waitFor(/approval (\S+) pending/).then((m) => m[1]!, () => undefined);
  const outcome = await Promise.race([issue.exited.then(() => undefined), pending]);
  if (outcome !== undefined) {
    const approved = await gatehouse(['approvals', 'approve', outcome, '--decision', decision, '--comment', 'client interoperability test'], reviewer);
    if (approved.code !== 0) throw new Error(`approving the token failed: ${approved.stderr}`);
  }
  const code = await issue.exited;
  const token = issue.stdout.trim();
  if (code !== 0 || token === '') throw new Error(`gatehouse token issue for ${resource} failed (exit ${code}):\n${issue.log()}`);
  return token;
}

export async function startClientStack(options: ClientStackOptions): Promise<ClientStack> {
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-clients-'));
  const idp = await OidcTestIssuer.start();
  const started: Background[] = [];
  const databases: TestDatabase[] = [];
  const logs = () => started.map((child) => `=== ${child.name}\n${child.log()}`).join('\n');
  const cleanup = async () => {
    for (const child of started.reverse()) await child.stop().catch(() => undefined);
    for (const database of databases) await database.drop().catch(() => undefined);
    await idp.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const decision = `127.0.0.1:${await freePort()}`;
    // cwd is the temp dir: serve builds policy/ into ./var there, not in the checkout.
    const serve = startBackground(
      'gatehouse serve',
      process.execPath,
      [
        GATEHOUSE, 'serve',
        '--bundle', join(ROOT, 'policy'),
        '--listen', decision,
        '--metrics', `127.0.0.1:${await freePort()}`,
        '--audit', `file:${join(work, 'audit.jsonl')}`,
        '--oidc-issuer', idp.issuer,
        '--oidc-audience', idp.audience,
        '--oidc-jwks', `${idp.issuer}/jwks`,
      ],
      { cwd: work },
    );
    started.push(serve);
    for (const { resource, seed } of options.resources) databases.push(await createSeededDatabase(`gh_client_${resource.replace(/[^a-z0-9]/g, '_')}`, seed));
    await serve.waitFor(/"msg":"decision service listening"/);
    const planner = await idp.token('planner', { groups: options.groups, ttlSeconds: 900 });
    const reviewer = await idp.token('reviewer', { groups: ['reviewers'], ttlSeconds: 900 });
    const proxies: Record<string, ClientProxy> = {};
    for (const [index, { resource }] of options.resources.entries()) {
      const database = databases[index]!;
      const port = await freePort();
      const sessionAudit = join(work, `proxy-${resource}.jsonl`);
      const proxy = startBackground(
        `gatehouse proxy postgres (${resource})`,
        process.execPath,
        [
          GATEHOUSE, 'proxy', 'postgres',
          '--listen', `127.0.0.1:${port}`,
          '--upstream', database.proxyUrl,
          '--resource', resource,
          '--decision', decision,
          '--audit', `file:${sessionAudit}`,
          '--decision-timeout-ms', '20000',
        ],
        { cwd: work },
      );
      started.push(proxy);
      await proxy.waitFor(/"msg":"postgres proxy ready"/);
      const token = await issueToken(decision, resource, planner, reviewer);
      proxies[resource] = {
        resource,
        host: '127.0.0.1',
        port,
        database,
        token,
        libpqEnv: () => ({ PGHOST: '127.0.0.1', PGPORT: String(port), PGDATABASE: resource, PGUSER: 'agent-7', PGPASSWORD: token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '30' }),
        direct: async () => {
          const client = new pg.Client({ connectionString: database.url });
          await client.connect();
          return client;
        },
        sessionEvents: async () => (await readEvents(sessionAudit)).events.filter((event) => event.type === 'gatehouse.session.v1'),
      };
    }
    return {
      proxies,
      proxy(resource) {
        const proxy = proxies[resource];
        if (!proxy) throw new Error(`no proxy for ${resource}`);
        return proxy;
      },
      decisionEvents: async () => (await readEvents(join(work, 'audit.jsonl'))).events.filter((event) => event.type === 'gatehouse.decision.v1'),
      logs,
      close: cleanup,
    };
  } catch (error) {
    const log = logs();
    await cleanup();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log}`);
  }
}

/** The statements a proxy refused, with their reasons (for a failure message). */
export async function deniedStatements(proxy: ClientProxy): Promise<string> {
  const events = await proxy.sessionEvents();
  return events
    .filter((event) => event.data.outcome === 'denied')
    .map((event) => `${String(event.data.text)}\n  => ${JSON.stringify(event.data.reasons)}`)
    .join('\n');
}

export interface ProgramRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client program (never a shell) with `env` added to a clean environment: no PG*
 * variable of the caller's, so only what the test gives reaches the client.
 */
export function runClient(file: string, args: string[], env: Record<string, string>, options: { timeoutMs?: number; cwd?: string } = {}): Promise<ProgramRun> {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG') && !key.startsWith('GATEHOUSE_')) base[key] = value;
  return new Promise((done) => {
    execFile(file, args, { env: { ...base, ...env }, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The path an install script printed (test/global-setup.ts sets it); missing is a loud failure. */
export function installedTool(variable: string, script: string): string {
  const path = process.env[variable];
  if (!path) throw new Error(`${variable} is not set: scripts/${script} did not run (test/global-setup.ts runs it before the tests)`);
  return path;
}

/**
 * The production database of the clients' tests: personal data in customers.email, orders that
 * reference customers (so `\d` has foreign keys and indexes to show), notes for writes.
 */
export const ORDERS_SEED = `
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), total numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT '2026-11-01 10:00:00+00');
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bob', 'bob@example.com'), (3, 'Cy', 'cy@example.com');
INSERT INTO orders (id, customer_id, total) VALUES (10, 1, 12.50), (11, 2, 99.00), (12, 3, 7.25);
INSERT INTO notes VALUES (1, 'first');
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gatehouse_proxy;
`;

/** Every value of customers.email: none may reach a client of a non-privileged planner. */
export const MASKED_VALUES = ['ann@example.com', 'bob@example.com', 'cy@example.com'];

/** The groups of the planner in the tests: owns orders and orders-staging, sees no personal data. */
export const PAYMENTS_PLANNER = ['payments'];
