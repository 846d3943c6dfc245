import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureContext } from 'node:tls';
import pg from 'pg';
import { pino } from 'pino';
import { createAuditSink } from '../../../audit/create-audit-sink.ts';
import type { AuditSink } from '../../../audit/audit-sink.ts';
import { ApprovalManager } from '../../../engine/control/approvals/approval-manager.ts';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { loadBundle } from '../../../engine/testing/load-self-tested-bundle.ts';
import { initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import { checkMaskUsage } from '../../../engine/evaluation/masking/check-mask-usage.ts';
import type { Subject } from '../../../engine/model/index.ts';
import type { ActivatableBundle } from '../../../engine/decision/active-bundle.ts';
import { startDecisionServer, type RunningDecisionServer } from '../../../engine/server/decision-server.ts';
import { MemoryStateStore } from '../../../engine/control/state/memory-state-store.ts';
import { openTokenAuthority, type TokenAuthority } from '../../../engine/control/tokens/token-authority.ts';
import { CatalogColumnOrigins } from '../../../dataplane/postgres/column-origins.ts';
import { startPostgresProxy, type RunningPostgresProxy } from '../../../dataplane/postgres/postgres-proxy.ts';
import type { PostgresProxyOptions } from '../../../dataplane/postgres/client-session.ts';
import { parseUpstreamUrl, type UpstreamTarget } from '../../../dataplane/postgres/upstream/upstream-connection.ts';
import type { ApprovalOutcome, DecisionClient } from '../../../dataplane/sdk/data-plane-decision.ts';
import { FairDecisionClient } from '../../../dataplane/sdk/fair-decision-client.ts';
import { serviceEnv } from '../../support/services.ts';

/**
 * The test policy: guardrails over the engine's SQL facts, in real Rego. `users` reads are
 * allowed with `email` masked; DELETE without WHERE needs a reviewer; DROP, DO, COPY PROGRAM,
 * file-reading functions, writes hidden in CTEs and unknown statement kinds are denied.
 */
export const PROXY_POLICY_REGO = `package gatehouse

import rego.v1

statements := input.context.sql.statements

allowed_kinds := {"select", "insert", "update", "delete", "begin", "commit", "rollback", "set", "show", "copy", "explain"}

file_functions := {"pg_read_file", "pg_read_binary_file", "pg_ls_dir", "lo_import", "lo_export", "pg_stat_file", "dblink", "dblink_exec"}

deny contains "DROP is not allowed" if {
	some s in statements
	s.kind == "drop"
}

deny contains sprintf("%s statements are not allowed", [s.kind]) if {
	some s in statements
	not s.kind in allowed_kinds
	s.kind != "drop"
}

deny contains sprintf("function %s reads or writes server files", [f]) if {
	some s in statements
	some f in s.functions
	f in file_functions
}

deny contains "COPY with PROGRAM runs a shell command" if {
	some s in statements
	s.copy.program
}

deny contains "COPY to or from a server file" if {
	some s in statements
	not s.copy.target in {"stdin", "stdout"}
}

deny contains sprintf("%s hidden inside another statement", [s.kind]) if {
	some s in statements
	s.nested
	s.kind in {"insert", "update", "delete", "merge"}
}

decision := {"effect": "allow", "reasons": ["connect with a valid token"]} if {
	input.action == "db.connect"
} else := {"effect": "deny", "reasons": sort(deny)} if {
	count(deny) > 0
} else := {"effect": "require_approval", "reasons": ["DELETE without WHERE needs a reviewer"]} if {
	some s in statements
	s.kind == "delete"
	not s.hasWhere
} else := {"effect": "allow", "reasons": ["users holds PII: email is masked"], "obligations": {"mask": ["email"]}} if {
	some s in statements
	"users" in s.tables
} else := {"effect": "allow", "reasons": ["allowed"]} if {
	input.action == "db.query"
}
`;

export const PLANNER: Subject = { id: 'planner-1', type: 'User', groups: ['dba'] };
export const REVIEWER: Subject = { id: 'reviewer-1', type: 'User', groups: ['reviewers'] };

const SCHEMA = `
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text, age int);
CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric);
CREATE TABLE scratch (id int, note text);
INSERT INTO users VALUES (1, 'alice@example.com', 'Alice', 31), (2, 'bob@example.com', 'Bob', 42), (3, 'carol@example.com', 'Carol', 27);
INSERT INTO orders VALUES (10, 1, 12.5), (11, 2, 99.0), (12, 3, 7.25);
INSERT INTO scratch VALUES (1, 'one'), (2, 'two');
`;

/**
 * The proxy's upstream role (gatehouse_proxy, made by scripts/services) gets table privileges
 * on the fixture schema; it is no superuser, so the proxy starts without
 * --allow-privileged-upstream. Tests of column privileges grant less themselves.
 */
export const PROXY_ROLE_GRANTS = `
GRANT USAGE, CREATE ON SCHEMA public TO gatehouse_proxy;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO gatehouse_proxy;
`;

export interface ProxyHarness {
  /** The proxy's address for clients. */
  host: string;
  port: number;
  /** The database name clients ask for (the resource id). */
  database: string;
  /** Superuser URL of the real test database (for checks behind the proxy's back). */
  directUrl: string;
  /** The proxy's own upstream URL (the gatehouse_proxy role unless the test asked for the superuser). */
  proxyUpstreamUrl: string;
  upstream: UpstreamTarget;
  server: RunningDecisionServer;
  tokens: TokenAuthority;
  approvals: ApprovalManager;
  proxy: RunningPostgresProxy;
  auditPath: string;
  /** `issuedAt` in the past issues a token that has already expired (no waiting for the clock). */
  issue(options?: { resource?: string; ttlSeconds?: number; maxUses?: number; actions?: string[]; subject?: Subject; issuedAt?: Date }): Promise<string>;
  sessionEvents(): Promise<Record<string, unknown>[]>;
  /** Stops the decision service (the proxy stays up), for fail-closed tests. */
  stopDecisions(): Promise<void>;
  close(): Promise<void>;
}

let databaseCounter = 0;

/** A throwaway database with the fixture schema, created through the superuser URL. */
export async function createTestDatabase(
  prefix: string,
  grants: string = PROXY_ROLE_GRANTS,
): Promise<{ url: string; proxyUrl: string; name: string; drop: () => Promise<void> }> {
  const admin = serviceEnv('GATEHOUSE_PG_URL');
  const name = `${prefix}_${process.pid}_${Date.now() % 100000}_${databaseCounter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await db.query(SCHEMA);
  await db.query(grants);
  await db.end();
  const proxyUrl = new URL(serviceEnv('GATEHOUSE_PG_PROXY_URL'));
  proxyUrl.pathname = `/${name}`;
  return {
    url: url.toString(),
    proxyUrl: proxyUrl.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Decision client whose approval wait uses the in-process ApprovalManager (the gRPC waiter is the coordinator's). */
function withApprovals(client: DecisionClient, approvals: ApprovalManager): DecisionClient {
  return {
    decide: (ask) => client.decide(ask),
    async awaitApproval(approvalId, _token, signal): Promise<ApprovalOutcome> {
      const controller = new AbortController();
      signal?.addEventListener('abort', () => controller.abort());
      try {
        for await (const update of approvals.watch(approvalId, undefined, controller.signal)) {
          if (!update.final) continue;
          const status = update.approval.status;
          const reason = update.approval.comment ?? `by ${update.approval.reviewer ?? 'reviewer'}`;
          if (status === 'approved') return { status: 'approved', approvalId, reason };
          return { status: status === 'expired' ? 'expired' : 'denied', approvalId, reason };
        }
      } catch (error) {
        return { status: 'unavailable', approvalId, reason: String(error) };
      }
      return { status: 'unavailable', approvalId, reason: 'the wait ended' };
    },
    close: () => client.close(),
  };
}

export async function startProxyHarness(
  options: {
    policyRego?: string;
    /** A whole policy directory (e.g. the example policy) instead of `policyRego`. */
    policyDir?: string;
    resource?: string;
    maxMessageBytes?: number;
    decisionTimeoutMs?: number;
    tls?: SecureContext;
    /** Connect the proxy as the cluster superuser (needs allowPrivilegedUpstream to start). */
    superuserUpstream?: boolean;
    allowPrivilegedUpstream?: boolean;
    /** GRANTs to gatehouse_proxy on the fixture schema (default PROXY_ROLE_GRANTS). */
    grants?: string;
    limits?: PostgresProxyOptions['limits'];
    maxSessions?: number;
    loginTimeoutMs?: number;
    /** The proxy's decision client (default: the plain gRPC client). */
    decisionClient?: (address: string, deadlineMs: number) => DecisionClient;
    /** Where the decision service listens (default 127.0.0.1:0); `unix:/PATH` for a socket. */
    serverListen?: string;
    /** Where the proxy listens (default 127.0.0.1:0); a host that starts with `/` is a socket directory. */
    proxyListen?: { host: string; port: number };
  } = {},
): Promise<ProxyHarness> {
  await initFactExtractors();
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-pgproxy-'));
  let policyDir = options.policyDir;
  if (policyDir === undefined) {
    policyDir = join(work, 'policy');
    await mkdir(policyDir, { recursive: true });
    await writeFile(join(policyDir, 'gatehouse.yaml'), 'name: proxy-test\ndescription: proxy tests\nengines: [rego]\n');
    await writeFile(join(policyDir, 'guardrails.rego'), options.policyRego ?? PROXY_POLICY_REGO);
  }
  const bundlePath = join(work, 'bundle.tar.gz');
  await buildBundle(policyDir, bundlePath);

  const database = await createTestDatabase('gh_proxy', options.grants);
  const proxyUpstreamUrl = options.superuserUpstream ? database.url : database.proxyUrl;
  const upstream = parseUpstreamUrl(proxyUpstreamUrl);
  const store = new MemoryStateStore();
  const serviceAudit = await createAuditSink(`file:${join(work, 'decisions.jsonl')}`, { source: 'gatehouse://test/serve' });
  const tokens = await openTokenAuthority({ store });
  const approvals = new ApprovalManager({
    store,
    audit: serviceAudit,
    decide: async (input) => ({
      effect: input.subject.groups?.includes('reviewers') ? 'allow' : 'deny',
      reasons: ['test reviewers'],
      obligations: {},
      engines: [],
    }),
  });
  const logger = pino({ level: 'silent' });
  const server = await startDecisionServer({
    bundleSource: {
      path: bundlePath,
      watch: false,
      load: async (): Promise<ActivatableBundle> => {
        const bundle = await loadBundle(bundlePath, { runOwnTests: true });
        // The coordinator wires checkMaskUsage into the engine's path; applying it twice is harmless.
        return { revision: bundle.revision, evaluate: (input) => checkMaskUsage(bundle.evaluate(input), input.context), close: () => bundle.close() };
      },
    },
    auditSink: serviceAudit,
    listen: options.serverListen ?? '127.0.0.1:0',
    tokenGate: tokens.gate,
    approvalGate: approvals,
    logger,
  });
  const auditPath = join(work, 'sessions.jsonl');
  const proxyAudit: AuditSink = await createAuditSink(`file:${auditPath}`, { source: 'gatehouse://test/proxy-postgres' });
  const deadlineMs = options.decisionTimeoutMs ?? 3_000;
  const grpcClient = options.decisionClient?.(server.address, deadlineMs) ?? new FairDecisionClient({ address: server.address, deadlineMs });
  const decisions = withApprovals(grpcClient, approvals);
  const origins = new CatalogColumnOrigins(upstream);
  const resource = options.resource ?? 'orders';
  const proxy = await startPostgresProxy(
    {
      listen: options.proxyListen ?? { host: '127.0.0.1', port: 0 },
      resource: { type: 'Database', id: resource, attributes: { env: 'test' } },
      database: resource,
      upstream,
      decisions,
      audit: proxyAudit,
      origins,
      maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
      limits: options.limits,
      maxSessions: options.maxSessions,
      loginTimeoutMs: options.loginTimeoutMs,
      allowPrivilegedUpstream: options.allowPrivilegedUpstream,
      approveHint: 'gatehouse approvals approve {id}',
      tls: options.tls,
    },
    () => undefined,
  ).catch(async (error: unknown) => {
    // A proxy that refuses to start (e.g. a privileged upstream) leaves nothing behind.
    decisions.close();
    await origins.close();
    await proxyAudit.close();
    await server.close();
    approvals.close();
    tokens.close();
    await database.drop();
    throw error;
  });
  let serverStopped = false;
  return {
    host: proxy.address.host,
    port: proxy.address.port,
    database: resource,
    directUrl: database.url,
    proxyUpstreamUrl,
    upstream,
    server,
    tokens,
    approvals,
    proxy,
    auditPath,
    async issue(issue = {}) {
      const issued = await tokens.issuer.issue({
        subject: issue.subject ?? PLANNER,
        actions: issue.actions ?? ['db.connect', 'db.query'],
        resource: { type: 'Database', id: issue.resource ?? resource },
        ttlSeconds: issue.ttlSeconds ?? 600,
        ...(issue.maxUses !== undefined ? { maxUses: issue.maxUses } : {}),
        executor: 'agent-7',
        now: issue.issuedAt ?? new Date(),
      });
      return issued.token;
    },
    async sessionEvents() {
      const text = await readFile(auditPath, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((event) => event.type === 'gatehouse.session.v1');
    },
    async stopDecisions() {
      serverStopped = true;
      await server.close();
    },
    async close() {
      await proxy.close();
      decisions.close();
      await origins.close();
      await proxyAudit.close();
      if (!serverStopped) await server.close();
      approvals.close();
      tokens.close();
      await database.drop();
    },
  };
}

/** A `pg` client through the proxy with `token` as its password. */
export function proxyClient(h: ProxyHarness, token: string, extra: Partial<pg.ClientConfig> = {}): pg.Client {
  return new pg.Client({ host: h.host, port: h.port, database: h.database, user: 'planner', password: token, ...extra });
}
