import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Background, createSeededDatabase, GATEHOUSE, gatehouse, readEvents, ROOT, startBackground, type AuditLine, type TestDatabase } from '../../../e2e/e2e-stack.ts';
import { freePort } from '../../../support/free-port.ts';
import { OidcTestIssuer } from '../../../tokens/oidc-test-issuer.ts';

/**
 * Third-party PostgreSQL clients against the real thing: `gatehouse serve` with the example
 * policy in policy/ and one `gatehouse proxy postgres` (both as child processes, started the way
 * docs/postgres-proxy.md says) in front of a fresh database of the real PostgreSQL, and a scoped
 * token issued with `gatehouse token issue` (approved by a reviewer on production) as the
 * client's password.
 */

export interface ClientStack {
  /** The resource id: also the database name clients ask for. */
  resource: string;
  host: string;
  port: number;
  /** The real database behind the proxy (superuser URL, for checks behind the proxy's back). */
  database: TestDatabase;
  /** The planner's scoped token: the clients' password. */
  token: string;
  /** libpq environment for psql, pgbench and psycopg (everything but the password in PG* variables). */
  libpqEnv(): Record<string, string>;
  /** A libpq connection string for the proxy (no password: PGPASSWORD carries the token). */
  conninfo(): string;
  /** A `pg` client of the real database, as its superuser (behind the proxy's back). */
  direct(): Promise<pg.Client>;
  /** The proxy's session events (statement outcomes and reasons). */
  sessionEvents(): Promise<AuditLine[]>;
  /** The decision service's decision events (effects and obligations). */
  decisionEvents(): Promise<AuditLine[]>;
  /** The logs of serve and the proxy, for a failure message. */
  logs(): string;
  close(): Promise<void>;
}

export interface ClientStackOptions {
  /** A resource of policy/data.json (its env decides what policy allows). */
  resource: string;
  /** The planner's groups (the owning group of the resource; privileged groups see personal data). */
  groups: string[];
  /** SQL run as the superuser on the fresh database (tables and GRANTs to gatehouse_proxy). */
  seed: string;
}

/** Issues a db.connect/db.query token for the planner; on production a reviewer approves it first. */
async function issueToken(decision: string, resource: string, planner: string, reviewer: string): Promise<string> {
  const issue = startBackground(
    'gatehouse token issue',
    process.execPath,
    [GATEHOUSE, 'token', 'issue', '--decision', decision, '--action', 'db.connect', '--action', 'db.query', '--resource', `Database:${resource}`, '--ttl', '15m', '--executor', 'client-test', '--wait'],
    { env: { GATEHOUSE_OIDC_TOKEN: planner } },
  );
  const outcome = await Promise.race([issue.exited.then(() => 'exited' as const), issue.waitFor(/approval (\S+) pending/).then((m) => m[1]!)]);
  if (outcome !== 'exited') {
    const approved = await gatehouse(['approvals', 'approve', outcome, '--decision', decision, '--comment', 'client interoperability test'], reviewer);
    if (approved.code !== 0) throw new Error(`approving the token failed: ${approved.stderr}`);
  }
  const code = await issue.exited;
  const token = issue.stdout.trim();
  if (code !== 0 || token === '') throw new Error(`gatehouse token issue failed (exit ${code}):\n${issue.log()}`);
  return token;
}

export async function startClientStack(options: ClientStackOptions): Promise<ClientStack> {
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-clients-'));
  const idp = await OidcTestIssuer.start();
  const started: Background[] = [];
  let database: TestDatabase | undefined;
  const cleanup = async () => {
    for (const child of started.reverse()) await child.stop().catch(() => undefined);
    await database?.drop().catch(() => undefined);
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
    database = await createSeededDatabase(`gh_client_${options.resource.replace(/[^a-z0-9]/g, '_')}`, options.seed);
    await serve.waitFor(/"msg":"decision service listening"/);
    const port = await freePort();
    const sessionAudit = join(work, 'proxy.jsonl');
    const proxy = startBackground(
      'gatehouse proxy postgres',
      process.execPath,
      [
        GATEHOUSE, 'proxy', 'postgres',
        '--listen', `127.0.0.1:${port}`,
        '--upstream', database.proxyUrl,
        '--resource', options.resource,
        '--decision', decision,
        '--audit', `file:${sessionAudit}`,
        '--decision-timeout-ms', '20000',
      ],
      { cwd: work },
    );
    started.push(proxy);
    await proxy.waitFor(/"msg":"postgres proxy ready"/);
    const planner = await idp.token('planner', { groups: options.groups, ttlSeconds: 900 });
    const reviewer = await idp.token('reviewer', { groups: ['reviewers'], ttlSeconds: 900 });
    const token = await issueToken(decision, options.resource, planner, reviewer);
    const seeded = database;
    return {
      resource: options.resource,
      host: '127.0.0.1',
      port,
      database: seeded,
      token,
      libpqEnv: () => ({ PGHOST: '127.0.0.1', PGPORT: String(port), PGDATABASE: options.resource, PGUSER: 'agent-7', PGPASSWORD: token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '30' }),
      conninfo: () => `host=127.0.0.1 port=${port} dbname=${options.resource} user=agent-7 sslmode=disable`,
      direct: async () => {
        const client = new pg.Client({ connectionString: seeded.url });
        await client.connect();
        return client;
      },
      decisionEvents: async () => (await readEvents(join(work, 'audit.jsonl'))).events.filter((event) => event.type === 'gatehouse.decision.v1'),
      sessionEvents: async () => (await readEvents(sessionAudit)).events.filter((event) => event.type === 'gatehouse.session.v1'),
      logs: () => started.map((child) => `=== ${child.name}\n${child.log()}`).join('\n'),
      close: cleanup,
    };
  } catch (error) {
    const logs = started.map((child) => `=== ${child.name}\n${child.log()}`).join('\n');
    await cleanup();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}

/** Denied statements of the session log with their reasons, for a failure message. */
export async function deniedStatements(stack: ClientStack): Promise<string> {
  const events = await stack.sessionEvents();
  return events
    .filter((event) => event.data.outcome === 'denied')
    .map((event) => `${String(event.data.text)}: ${JSON.stringify(event.data.reasons)}`)
    .join('\n');
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

/** A value of customers.email: it must never reach a client of a non-privileged planner. */
export const MASKED_VALUE = 'ann@example.com';
