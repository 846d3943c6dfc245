import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AuditEvent } from '../../../audit/audit-event.ts';
import { openFileAuditSink } from '../../../audit/file-audit-sink.ts';
import type { ApprovalManager } from '../../../engine/control/approvals/approval-manager.ts';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { evaluateRequest } from '../../../engine/bundle/evaluate-request.ts';
import { initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import type { PreparedBundle } from '../../../engine/bundle/prepared-bundle.ts';
import { ActiveBundle } from '../../../engine/decision/active-bundle.ts';
import { bundleFileSource } from '../../../engine/decision/bundle-source.ts';
import { startDecisionServer, type RunningDecisionServer } from '../../../engine/server/decision-server.ts';
import { ServiceMetrics } from '../../../engine/server/service-metrics.ts';
import { MemoryStateStore } from '../../../engine/control/state/memory-state-store.ts';
import type { TokenAuthority } from '../../../engine/control/tokens/token-authority.ts';
import { openTokenSubsystem } from '../../../engine/control/tokens/token-subsystem.ts';
import { registerTokenAndApprovalServices } from '../../../engine/server/token-approval-services.ts';
import { startMcpHttpProxy, type RunningMcpProxy } from '../../../dataplane/mcp/mcp-proxy.ts';
import { parseTextArgument } from '../../../dataplane/mcp/tool-call-context.ts';
import { parseUpstreamSpec } from '../../../dataplane/mcp/upstream-spec.ts';
import { GrpcDecisionClient } from '../../../dataplane/sdk/grpc-decision-client.ts';
import { tempDir } from '../ssh/ssh-proxy-fixture.ts';
import { serviceEnv } from '../../support/services.ts';
import { OidcTestIssuer } from '../../engine/control/tokens/oidc-test-issuer.ts';
import { createUpstreamServer } from './upstream-tools.ts';

/**
 * The MCP test policy (Rego only). Agents (group `agents`) may connect to the gateway; the
 * tools on `allowed_tools` are visible and callable, any other is hidden and denied. SQL must
 * be SELECT and its rows' emails are masked; shell commands must be read-only; sending email
 * waits for a reviewer; reading a file must mask `secret` (which plain text cannot be).
 */
export const MCP_TEST_POLICY = `package gatehouse

import rego.v1

allowed_tools := {"db/query", "db/run", "db/send_email", "db/read_file", "local/query", "local/crash"}

readonly := {"ls", "cat", "echo", "wc", "uname", "pwd"}

statements := object.get(object.get(input.context, "sql", {}), "statements", [])

commands := object.get(object.get(input.context, "command", {}), "commands", [])

connect_allowed if {
	input.resource.type == "McpGateway"
	"agents" in input.subject.groups
}

connect_allowed if {
	input.resource.type == "McpTool"
	input.resource.id in allowed_tools
}

connect_allowed if input.resource.type in {"McpResource", "McpPrompt"}

denials contains concat("", ["tool ", input.resource.id, " is not on the gateway's allow-list"]) if {
	input.action == "mcp.tools.call"
	not input.resource.id in allowed_tools
}

denials contains concat("", ["only SELECT is allowed, not ", s.kind]) if {
	input.action == "mcp.tools.call"
	some s in statements
	s.kind != "select"
}

denials contains "the query tool needs SQL" if {
	input.action == "mcp.tools.call"
	endswith(input.resource.id, "/query")
	count(statements) == 0
}

denials contains concat("", ["not a read-only command: ", concat(" ", c.argv)]) if {
	input.action == "mcp.tools.call"
	input.resource.id == "db/run"
	some c in commands
	not c.name in readonly
}

denials contains "the run tool needs a command" if {
	input.action == "mcp.tools.call"
	input.resource.id == "db/run"
	count(commands) == 0
}

mask contains "$.rows[*].email" if {
	input.action == "mcp.tools.call"
	endswith(input.resource.id, "/query")
}

mask contains "secret" if input.resource.id in {"db/read_file", "local/file:///local/notes.txt"}

denials contains "prompts of the local server are not for agents" if {
	input.action == "mcp.prompts.get"
	startswith(input.resource.id, "local/")
}

mask contains "$[*].email" if input.resource.id == "db/file:///db/customers.json"

decision := {"effect": "allow", "reasons": [], "obligations": {}} if {
	input.action == "mcp.connect"
	connect_allowed
} else := {"effect": "deny", "reasons": ["not visible to this subject"], "obligations": {}} if {
	input.action == "mcp.connect"
} else := {"effect": "allow", "reasons": [], "obligations": {}} if {
	input.action == "approval.review"
	"reviewers" in input.subject.groups
} else := {"effect": "deny", "reasons": sort([r | some r in denials]), "obligations": {}} if {
	count(denials) > 0
} else := {"effect": "require_approval", "reasons": ["sending email needs a reviewer"], "obligations": {}} if {
	input.action == "mcp.tools.call"
	input.resource.id == "db/send_email"
} else := {"effect": "allow", "reasons": [], "obligations": {"mask": sort([m | some m in mask])}} if {
	input.action in {"mcp.tools.call", "mcp.resources.read", "mcp.prompts.get"}
}
`;

export interface McpStack {
  work: string;
  scratch: string;
  idp: OidcTestIssuer;
  decision: RunningDecisionServer;
  authority: TokenAuthority;
  approvals: ApprovalManager;
  upstreamUrl: string;
  proxy: RunningMcpProxy;
  proxyUrl: string;
  auditPath: string;
  /** An OIDC JWT of an agent in group `agents`. */
  agentToken(): Promise<string>;
  /** A scoped token bound to one MCP tool. */
  scopedToken(tool: string, options?: { maxUses?: number; now?: Date; actions?: string[] }): Promise<string>;
  /** Stops the HTTP upstream (its port stays known) and starts it again on the same port. */
  stopUpstream(): Promise<void>;
  restartUpstream(): Promise<void>;
  /** Revokes a scoped token (by its jti). */
  revoke(token: string): Promise<void>;
  /** An SDK client connected to the proxy with `token` as its bearer credential. */
  connect(token: string): Promise<Client>;
  events(): AuditEvent[];
  close(): Promise<void>;
}

const STDIO_UPSTREAM = fileURLToPath(new URL('./stdio-upstream.ts', import.meta.url));

/** The rows of the `customers` table the SQL tool reads. */
export const CUSTOMERS = [
  { id: 1, name: 'Ada', email: 'ada@example.com' },
  { id: 2, name: 'Bob', email: 'bob@example.com' },
];

export async function startMcpStack(prefix: string, options: { decisionTimeoutMs?: number } = {}): Promise<McpStack> {
  const work = tempDir(prefix);
  const scratch = join(work, 'scratch');
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'notes.txt'), 'plain notes, not JSON\n');
  writeFileSync(join(scratch, 'customers.json'), JSON.stringify(CUSTOMERS));
  writeFileSync(join(scratch, 'hello.txt'), 'hello\n');
  const pgUrl = await prepareDatabase();
  const closers: (() => Promise<unknown> | unknown)[] = [() => rmSync(work, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await Promise.resolve(closer()).catch(() => undefined);
  };
  try {
    await initFactExtractors();
    const idp = await OidcTestIssuer.start();
    closers.push(() => idp.close());
    const policyDir = join(work, 'policy');
    mkdirSync(policyDir);
    writeFileSync(join(policyDir, 'gatehouse.yaml'), 'name: mcp-proxy-test\nengines: [rego]\n');
    writeFileSync(join(policyDir, 'policy.rego'), MCP_TEST_POLICY);
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle(policyDir, bundlePath);
    const auditSink = await openFileAuditSink(join(work, 'decisions.jsonl'), { source: 'gatehouse://test/serve', registry: new Registry() });
    closers.push(() => auditSink.close());
    const active = new ActiveBundle();
    const store = new MemoryStateStore();
    const tokens = await openTokenSubsystem({
      store,
      auditSink,
      decide: async (input) => {
        const bundle = active.current();
        if (!bundle) return { effect: 'deny', reasons: ['no bundle'], obligations: {}, engines: [] };
        return evaluateRequest(bundle as unknown as PreparedBundle, input);
      },
      oidc: { issuer: idp.issuer, audience: idp.audience },
      env: {},
    });
    closers.push(() => tokens.close());
    const decision = await startDecisionServer({
      bundleSource: bundleFileSource(bundlePath),
      auditSink,
      listen: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      metrics: new ServiceMetrics({ defaultMetrics: false }),
      tokenGate: tokens.tokenGate,
      approvalGate: tokens.approvalGate,
      extraServices: (registrar) => registerTokenAndApprovalServices(tokens, registrar),
      active,
    });
    closers.push(() => decision.close());

    const upstream = await startHttpUpstream(pgUrl, scratch);
    closers.push(() => new Promise<void>((resolve) => (upstream.server.listening ? upstream.server.close(() => resolve()) : resolve())));
    closers.push(() => upstream.server.closeAllConnections());

    const auditPath = join(work, 'proxy-audit.jsonl');
    const audit = await openFileAuditSink(auditPath, { source: 'gatehouse://test/proxy-mcp', registry: new Registry() });
    closers.push(() => audit.close());
    const decisions = new GrpcDecisionClient({ address: decision.address, deadlineMs: options.decisionTimeoutMs ?? 5_000 });
    closers.push(() => decisions.close());
    const proxy = await startMcpHttpProxy(
      {
        listen: { host: '127.0.0.1', port: 0 },
        upstreams: [parseUpstreamSpec(`db=${upstream.url}`), parseUpstreamSpec(`local=${process.execPath} --import tsx ${STDIO_UPSTREAM} ${pgUrl} ${scratch}`)],
        textArguments: parseTextArgument('db/run:command=shell'),
        decisions,
        audit,
        auditRequired: true,
        gateway: { type: 'McpGateway', id: 'test-gateway' },
        approveHint: 'gatehouse approvals approve {id}',
        authorizationServers: [idp.issuer],
        heartbeatMs: 200,
      },
      () => undefined,
    );
    closers.push(() => proxy.close());
    const proxyUrl = `http://127.0.0.1:${proxy.address.port}/mcp`;
    return {
      work,
      scratch,
      idp,
      decision,
      authority: tokens.authority,
      approvals: tokens.approvals,
      upstreamUrl: upstream.url,
      proxy,
      proxyUrl,
      auditPath,
      agentToken: () => idp.token('agent-7', { groups: ['agents'] }),
      async scopedToken(tool, tokenOptions = {}) {
        const issued = await tokens.authority.issuer.issue({
          subject: { id: 'planner-1', groups: ['agents'] },
          actions: tokenOptions.actions ?? ['mcp.connect', 'mcp.tools.call'],
          resource: { type: 'McpTool', id: tool },
          ttlSeconds: 600,
          executor: 'agent-7',
          ...(tokenOptions.maxUses ? { maxUses: tokenOptions.maxUses } : {}),
          now: tokenOptions.now ?? new Date(),
        });
        return issued.token;
      },
      async stopUpstream() {
        upstream.server.closeAllConnections();
        await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
      },
      async restartUpstream() {
        await new Promise<void>((resolve, reject) => {
          upstream.server.once('error', reject);
          upstream.server.listen(Number(new URL(upstream.url).port), '127.0.0.1', () => resolve());
        });
      },
      async revoke(token) {
        const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string; exp: number };
        await store.revokeToken(claims.jti, new Date(claims.exp * 1000), new Date());
      },
      async connect(token) {
        const client = new Client({ name: 'gatehouse-test-agent', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(proxyUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
        closers.push(() => client.close());
        return client;
      },
      events: () =>
        readFileSync(auditPath, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as AuditEvent),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The upstream over Streamable HTTP (stateless: one SDK server per request). */
async function startHttpUpstream(pgUrl: string, scratch: string): Promise<{ server: HttpServer; url: string }> {
  const server = createServer((req, res) => {
    const mcp = createUpstreamServer({ pgUrl, scratch, label: 'db' });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void mcp.close());
    mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

/** A `customers` table with emails in the real PostgreSQL of `scripts/services`. */
async function prepareDatabase(): Promise<string> {
  const url = serviceEnv('GATEHOUSE_PG_URL');
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS mcp_customers (id int PRIMARY KEY, name text, email text)');
    await client.query('TRUNCATE mcp_customers');
    for (const c of CUSTOMERS) await client.query('INSERT INTO mcp_customers VALUES ($1, $2, $3)', [c.id, c.name, c.email]);
  } finally {
    await client.end();
  }
  return url;
}
