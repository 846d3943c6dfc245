import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AuditSink } from '../../audit/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import type { DecisionClient } from '../sdk/index.ts';
import { createAgentSession } from './agent-session.ts';
import { McpSessionRecorder } from './session-recorder.ts';
import { verifySessionCredential } from './session-credential.ts';
import type { TextArgumentMap } from './tool-call-context.ts';
import { UpstreamServer, type McpLog } from './upstream-server.ts';
import type { UpstreamSpec } from './upstream-spec.ts';

export interface McpProxyOptions {
  upstreams: UpstreamSpec[];
  textArguments: TextArgumentMap;
  decisions: DecisionClient;
  audit: AuditSink;
  auditRequired: boolean;
  /** What an OIDC identity connects to: `McpGateway:<--resource>`. */
  gateway: Resource;
  approveHint: string;
  heartbeatMs?: number;
  /** How long one upstream request may take without progress (default 5 minutes). */
  upstreamTimeoutMs?: number;
}

export interface McpHttpOptions extends McpProxyOptions {
  listen: { host: string; port: number };
  /** The URL agents use (the protected resource); default http://HOST:PORT/mcp. */
  publicUrl?: string;
  /** Authorization servers named in the protected resource metadata (the token issuers). */
  authorizationServers: string[];
  /** A session without requests for this long is closed (default 30 minutes). */
  idleTimeoutMs?: number;
}

export interface RunningMcpProxy {
  address: { host: string; port: number };
  readonly sessions: number;
  close(): Promise<void>;
}

/** Requests to the MCP endpoint before a session exists are at most this big. */
const MAX_INITIALIZE_BYTES = 1024 * 1024;
const MCP_PATH = '/mcp';
const METADATA_PATH = '/.well-known/oauth-protected-resource';

interface HttpSession {
  transport: StreamableHTTPServerTransport;
  server: Server;
  credentialDigest: Buffer;
  lastSeen: number;
  endReason: string;
  /** Set when a decision found the credential dead: the next request is 401 and ends the session. */
  rejected?: string;
  /** Settles once the session's `end` event is written (or refused). */
  ended?: Promise<unknown>;
}

/**
 * `gatehouse proxy mcp` over Streamable HTTP: an OAuth 2.0 protected resource (MCP
 * authorization) at /mcp. Every request carries the agent's bearer credential; a session is
 * opened by `initialize` after a `mcp.connect` decision and stays bound to that credential.
 */
export async function startMcpHttpProxy(options: McpHttpOptions, log: McpLog): Promise<RunningMcpProxy> {
  const upstreams = openUpstreams(options.upstreams, log, options.upstreamTimeoutMs);
  const sessions = new Map<string, HttpSession>();
  let publicUrl = options.publicUrl;
  const metadataUrl = (): string => {
    const resource = new URL(publicUrl!);
    return `${resource.origin}${METADATA_PATH}${resource.pathname === '/' ? '' : resource.pathname}`;
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log('error', 'MCP request failed', { error: (error as Error).message });
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'gatehouse: internal error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (req.method === 'GET' && (path === METADATA_PATH || path === `${METADATA_PATH}${new URL(publicUrl!).pathname}`)) {
      const body = {
        resource: publicUrl,
        ...(options.authorizationServers.length > 0 ? { authorization_servers: options.authorizationServers } : {}),
        bearer_methods_supported: ['header'],
        resource_name: 'Gatehouse MCP proxy',
      };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      return;
    }
    if (path !== MCP_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`gatehouse: nothing here; the MCP endpoint is ${MCP_PATH}\n`);
      return;
    }
    const token = bearerToken(req);
    if (token === undefined) return unauthorized(res, 'invalid_request', 'a bearer credential is required');
    if (token === null) return unauthorized(res, 'invalid_request', 'the Authorization header must be "Bearer <token>"');
    const sessionHeader = req.headers['mcp-session-id'];
    if (typeof sessionHeader === 'string') {
      const session = sessions.get(sessionHeader);
      if (!session) return jsonRpcError(res, 404, -32001, 'gatehouse: unknown or closed session; initialize a new one');
      // A session stays bound to the credential it was opened with.
      if (!timingSafeEqual(digest(token), session.credentialDigest)) return unauthorized(res, 'invalid_token', 'the credential is not the one this session was opened with');
      if (session.rejected !== undefined) {
        // MCP authorization: an expired or revoked credential is a 401, so the client gets a new one.
        session.endReason = `credential rejected (${session.rejected})`;
        await session.server.close().catch(() => undefined);
        return unauthorized(res, 'invalid_token', session.rejected);
      }
      session.lastSeen = Date.now();
      if (req.method === 'DELETE') session.endReason = 'closed by the agent';
      await session.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') return jsonRpcError(res, 400, -32000, 'gatehouse: no session; POST an initialize request first');
    const body = await readJsonBody(req, res);
    if (body === undefined) return;
    if (!isInitializeRequest(body)) return jsonRpcError(res, 400, -32000, 'gatehouse: no session; the first request must be initialize');
    const sessionId = randomUUID();
    const verdict = await verifySessionCredential(options.decisions, token, options.gateway, sessionId, body.params.clientInfo.name);
    if (!verdict.ok) {
      log('info', 'MCP session refused', { status: verdict.status, reason: verdict.reason, decisionId: verdict.decision.decisionId });
      if (verdict.status === 401) return unauthorized(res, 'invalid_token', verdict.reason);
      if (verdict.status === 503) return jsonRpcError(res, 503, -32000, `gatehouse: ${verdict.reason}`);
      res.writeHead(403, { 'content-type': 'application/json', 'www-authenticate': challenge('insufficient_scope', verdict.reason) });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: `gatehouse: ${verdict.reason}` }, id: null }));
      return;
    }
    const recorder = new McpSessionRecorder({ sink: options.audit, sessionId, required: options.auditRequired });
    const started = await recorder.start({
      transport: 'http',
      clientAddress: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`,
      connectDecisionId: verdict.decision.decisionId,
      client: body.params.clientInfo.name,
    });
    if (!started) return jsonRpcError(res, 503, -32000, 'gatehouse: the session cannot be recorded in the audit log; refused');
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => sessionId });
    const server = createAgentSession({
      ...sessionParts(options, upstreams, log),
      token,
      sessionId,
      recorder,
      onCredentialRejected: (reason) => {
        session.rejected = reason;
      },
    });
    const session: HttpSession = { transport, server, credentialDigest: digest(token), lastSeen: Date.now(), endReason: 'closed' };
    sessions.set(sessionId, session);
    let ended = false;
    server.onclose = () => {
      if (ended) return;
      ended = true;
      sessions.delete(sessionId);
      session.ended = recorder.end(session.endReason);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  function unauthorized(res: ServerResponse, error: 'invalid_request' | 'invalid_token', description: string): void {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge(error, description) });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: `gatehouse: ${description}` }, id: null }));
  }

  function challenge(error: string, description: string): string {
    // The description is ours (never the token); quotes and backslashes would break the header.
    const safe = description.replace(/["\\\r\n]/g, "'").slice(0, 300);
    return `Bearer resource_metadata="${metadataUrl()}", error="${error}", error_description="${safe}"`;
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.listen.port, options.listen.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (error: Error) => log('warn', 'mcp proxy listener error', { error: error.message }));
  // Agents that vanish without DELETE leave sessions behind; they are closed when idle.
  const idleMs = options.idleTimeoutMs ?? 30 * 60_000;
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const session of sessions.values()) {
      if (now - session.lastSeen < idleMs) continue;
      session.endReason = `idle for ${Math.round(idleMs / 1000)} s`;
      void session.server.close().catch(() => undefined);
    }
  }, Math.min(60_000, Math.max(1_000, idleMs / 4)));
  sweeper.unref();
  const bound = http.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.listen.port;
  publicUrl ??= `http://${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${port}${MCP_PATH}`;
  log('info', 'mcp proxy listening', { host: options.listen.host, port, upstreams: [...upstreams.keys()] });
  return {
    address: { host: options.listen.host, port },
    get sessions() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweeper);
      const open = [...sessions.values()];
      for (const session of open) {
        session.endReason = 'proxy shutting down';
        await session.server.close().catch(() => undefined);
      }
      // The end events are written before the caller closes the audit sink.
      await Promise.all(open.map((session) => session.ended));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.all([...upstreams.values()].map((u) => u.close()));
    },
  };
}

/**
 * `gatehouse proxy mcp --stdio`: one local agent speaks MCP on stdin/stdout; its credential
 * comes from the environment. Throws when the credential is refused.
 */
export async function serveMcpStdio(
  options: McpProxyOptions & { token: string; input: Readable; output: Writable },
  log: McpLog,
): Promise<{ closed: Promise<void>; close(): Promise<void> }> {
  const upstreams = openUpstreams(options.upstreams, log, options.upstreamTimeoutMs);
  const sessionId = randomUUID();
  const verdict = await verifySessionCredential(options.decisions, options.token, options.gateway, sessionId, 'stdio');
  if (!verdict.ok) {
    await Promise.all([...upstreams.values()].map((u) => u.close()));
    throw new Error(`the credential was refused (${verdict.reason})`);
  }
  const recorder = new McpSessionRecorder({ sink: options.audit, sessionId, required: options.auditRequired });
  if (!(await recorder.start({ transport: 'stdio', connectDecisionId: verdict.decision.decisionId }))) {
    throw new Error('the session cannot be recorded in the audit log');
  }
  const server = createAgentSession({ ...sessionParts(options, upstreams, log), token: options.token, sessionId, recorder });
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => {
      void recorder.end('closed').then(() => resolve());
    };
  });
  await server.connect(new StdioServerTransport(options.input, options.output));
  return {
    closed,
    async close() {
      await server.close().catch(() => undefined);
      await closed;
      await Promise.all([...upstreams.values()].map((u) => u.close()));
    },
  };
}

function openUpstreams(specs: UpstreamSpec[], log: McpLog, timeoutMs?: number): Map<string, UpstreamServer> {
  return new Map(specs.map((spec) => [spec.name, new UpstreamServer(spec, log, timeoutMs)]));
}

function sessionParts(options: McpProxyOptions, upstreams: Map<string, UpstreamServer>, log: McpLog) {
  return {
    upstreams,
    textArguments: options.textArguments,
    decisions: options.decisions,
    approveHint: options.approveHint,
    log,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  };
}

/** The bearer credential; undefined when there is none, null when the header is malformed. */
function bearerToken(req: IncomingMessage): string | undefined | null {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,16384})$/i.exec(header.trim());
  return match ? match[1]! : null;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** Reads a JSON body; answers a JSON-RPC parse error itself (and returns undefined) when it is not JSON. */
async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INITIALIZE_BYTES) {
      jsonRpcError(res, 413, -32600, `gatehouse: an initialize request is at most ${MAX_INITIALIZE_BYTES} bytes`);
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    jsonRpcError(res, 400, -32700, 'Parse error: the body is not JSON');
    return undefined;
  }
}
