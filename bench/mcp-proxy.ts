
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Registry } from 'prom-client';
import { openFileAuditSink } from '../audit/file-audit-sink.ts';
import { startMcpHttpProxy } from '../dataplane/mcp/mcp-proxy.ts';
import { parseUpstreamSpec } from '../dataplane/mcp/upstream-spec.ts';
import { startInProcessDecisionService } from './in-process-decision-service.ts';
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
  const service = await startInProcessDecisionService('mcp', BENCH_POLICY);
  const { work, authority } = service;
  const upstream = await startUpstream();
  const proxyAudit = await openFileAuditSink(join(work, 'sessions.jsonl'), { source: 'bench/proxy-mcp', registry: new Registry() });
  const decisions = new GrpcDecisionClient({ address: service.address });
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
    await service.close();
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
