/**
 * The MCP proxy against calling the same upstream MCP server directly: `tools/call` of an
 * `echo` tool on an open session (official SDK client, Streamable HTTP), where the proxy adds
 * the `mcp.tools.call` decision (gRPC DecideStream, scoped token use counted), a recorded call
 * event and its own upstream hop. The upstream, the decision service and the proxy run in this
 * process.
 *
 *   node --import tsx bench/mcp-proxy.ts      (GATEHOUSE_BENCH_SECONDS=5 per case)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { openFileAuditSink } from '../audit/file-audit-sink.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { bundleFileSource } from '../engine/decision/bundle-source.ts';
import { startDecisionServer } from '../engine/server/decision-server.ts';
import { ServiceMetrics } from '../engine/server/service-metrics.ts';
import { MemoryStateStore } from '../engine/control/state/memory-state-store.ts';
import { openTokenAuthority } from '../engine/control/tokens/token-authority.ts';
import { startMcpHttpProxy } from '../dataplane/mcp/mcp-proxy.ts';
import { parseUpstreamSpec } from '../dataplane/mcp/upstream-spec.ts';
import { GrpcDecisionClient } from '../dataplane/sdk/grpc-decision-client.ts';
import { measure, printTable, type TableRow } from './bench-table.ts';

const SECONDS = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 5);

const BENCH_POLICY = `package gatehouse

import rego.v1

decision := {"effect": "allow", "reasons": []} if {
	input.action in {"mcp.connect", "mcp.tools.call"}
} else := {"effect": "deny", "reasons": ["not allowed in the benchmark"]}
`;

/** An upstream MCP server with one `echo` tool, one SDK server per session. */
async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer((req, res) => {
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known) return void known.handleRequest(req, res);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
    });
    const server = new Server({ name: 'bench-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [{ name: 'echo', description: 'Echoes its text', inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } } } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, (request) => ({ content: [{ type: 'text' as const, text: String(request.params.arguments?.text ?? '') }] }));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    async close() {
      for (const transport of sessions.values()) await transport.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'bench-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}));
  return client;
}

export async function run(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-bench-mcp-'));
  const policyDir = join(work, 'policy');
  await mkdir(policyDir, { recursive: true });
  await writeFile(join(policyDir, 'policy.rego'), BENCH_POLICY);
  await writeFile(join(policyDir, 'gatehouse.yaml'), 'name: mcp-bench\nengines: [rego]\n');
  await buildBundle(policyDir, join(work, 'bundle.tar.gz'));
  const decisionAudit = await openFileAuditSink(join(work, 'decisions.jsonl'), { source: 'bench/serve', registry: new Registry() });
  const authority = await openTokenAuthority({ store: new MemoryStateStore() });
  const server = await startDecisionServer({
    bundleSource: bundleFileSource(join(work, 'bundle.tar.gz')),
    auditSink: decisionAudit,
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    metrics: new ServiceMetrics({ defaultMetrics: false }),
    tokenGate: authority.gate,
  });
  const upstream = await startUpstream();
  const proxyAudit = await openFileAuditSink(join(work, 'sessions.jsonl'), { source: 'bench/proxy-mcp', registry: new Registry() });
  const decisions = new GrpcDecisionClient({ address: server.address });
  const proxy = await startMcpHttpProxy(
    {
      listen: { host: '127.0.0.1', port: 0 },
      upstreams: [parseUpstreamSpec(`bench=${upstream.url}`)],
      textArguments: new Map(),
      decisions,
      audit: proxyAudit,
      auditRequired: true,
      gateway: { type: 'McpGateway', id: 'bench' },
      approveHint: 'gatehouse approvals approve {id}',
      authorizationServers: [],
    },
    () => undefined,
  );
  const issued = await authority.issuer.issue({
    subject: { id: 'bench', groups: [] },
    actions: ['mcp.connect', 'mcp.tools.call'],
    resource: { type: 'McpTool', id: 'bench/echo' },
    ttlSeconds: 3600,
    now: new Date(),
  });
  const direct = await connect(upstream.url);
  const proxied = await connect(`http://127.0.0.1:${proxy.address.port}/mcp`, issued.token);
  const sections: string[] = [];
  try {
    const callDirect = () => direct.callTool({ name: 'echo', arguments: { text: 'hello' } });
    const callProxied = async () => {
      const result = await proxied.callTool({ name: 'bench__echo', arguments: { text: 'hello' } });
      if (result.isError) throw new Error(`the proxy refused the call: ${JSON.stringify(result.content)}`);
    };
    for (const concurrency of [1, 8]) {
      const rows: TableRow[] = [
        { name: `direct (${concurrency} in flight)`, summary: await measure(callDirect, { concurrency, durationMs: SECONDS * 1000 }) },
        { name: `through the proxy (${concurrency} in flight)`, summary: await measure(callProxied, { concurrency, durationMs: SECONDS * 1000 }) },
      ];
      const added = rows[1]!.summary.p50Micros - rows[0]!.summary.p50Micros;
      sections.push(printTable(`MCP tools/call on an open session, ${concurrency} in flight (proxy adds ${Math.round(added)} µs at p50)`, rows[0]!.name, rows));
    }
  } finally {
    await direct.close();
    await proxied.close();
    await proxy.close();
    decisions.close();
    await proxyAudit.close();
    await upstream.close();
    await server.close();
    authority.close();
    await decisionAudit.close();
    await rm(work, { recursive: true, force: true });
  }
  return sections.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench mcp: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
