import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
  type GetPromptResult,
  type Prompt,
  type ReadResourceResult,
  type Resource as McpResource,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { JsonObject } from '../../engine/model/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import type { DecisionClient } from '../sdk/index.ts';
import { gateCall, type GateOutcome } from './call-gate.ts';
import { gatewayName, splitGatewayName } from './gateway-names.ts';
import { maskPromptResult, maskResourceResult, maskToolResult } from './result-masker.ts';
import type { McpSessionRecorder, RecordedCall } from './session-recorder.ts';
import { buildCallContext, textKindsFor, type TextArgumentMap } from './tool-call-context.ts';
import type { McpLog, UpstreamServer } from './upstream-server.ts';

/** JSON-RPC error code of a refused resources/read or prompts/get (they have no error result). */
export const DENIED_ERROR_CODE = -32003;

export interface AgentSessionOptions {
  upstreams: ReadonlyMap<string, UpstreamServer>;
  textArguments: TextArgumentMap;
  decisions: DecisionClient;
  token: string;
  sessionId: string;
  recorder: McpSessionRecorder;
  approveHint: string;
  heartbeatMs?: number;
  log: McpLog;
  /** Called when a decision says the credential itself is no longer good (expired, revoked). */
  onCredentialRejected?: (reason: string) => void;
}

/** Token checks after which no later call with this credential can succeed. */
const DEAD_CREDENTIAL = /^token:(expired|revoked|signature|uses):/;

type Progress = (message: string) => void;

/**
 * One agent's MCP session: an SDK Server whose every tools/call, resources/read and
 * prompts/get is decided (as the session's credential) before the upstream sees it, and whose
 * lists show only what a `mcp.connect` decision lets the credential reach.
 */
export function createAgentSession(o: AgentSessionOptions): Server {
  const server = new Server(
    { name: 'gatehouse-mcp-proxy', version: '0.1.0' },
    { capabilities: { tools: {}, resources: {}, prompts: {} } },
  );
  // URI → the upstream that lists it; null when several do (a read of it is then refused:
  // the gateway does not pick one for the agent).
  const resourceServers = new Map<string, string | null>();
  const noteResource = (uri: string, name: string): void => {
    const known = resourceServers.get(uri);
    resourceServers.set(uri, known === undefined || known === name ? name : null);
  };

  const visible = async (resource: Resource, mcp: JsonObject): Promise<boolean> => {
    const decision = await o.decisions.decide({ action: 'mcp.connect', resource, context: { mcp }, token: o.token, sessionId: o.sessionId });
    return decision.effect === 'allow';
  };

  /** Runs `list` on every upstream; one that fails is left out of the list (and logged). */
  async function fromEveryUpstream<T>(what: string, list: (upstream: UpstreamServer) => Promise<T[]>): Promise<{ server: string; item: T }[]> {
    const all = await Promise.all(
      [...o.upstreams.values()].map(async (upstream) => {
        try {
          return (await list(upstream)).map((item) => ({ server: upstream.name, item }));
        } catch (error) {
          o.log('warn', `upstream ${what} failed; its entries are not listed`, { upstream: upstream.name, error: (error as Error).message });
          return [];
        }
      }),
    );
    return all.flat();
  }

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const entries = await fromEveryUpstream('tools/list', (u) => u.listTools(extra.signal));
    const shown = await Promise.all(
      entries.map(async ({ server: name, item }) =>
        (await visible({ type: 'McpTool', id: `${name}/${item.name}` }, { server: name, tool: item.name })) ? { ...item, name: gatewayName(name, item.name) } : undefined,
      ),
    );
    return { tools: shown.filter((tool): tool is Tool => tool !== undefined) };
  });

  server.setRequestHandler(ListResourcesRequestSchema, async (_request, extra) => {
    const entries = await fromEveryUpstream('resources/list', (u) => u.listResources(extra.signal));
    const shown = await Promise.all(
      entries.map(async ({ server: name, item }) => {
        noteResource(item.uri, name);
        return (await visible({ type: 'McpResource', id: `${name}/${item.uri}` }, { server: name, uri: item.uri })) ? item : undefined;
      }),
    );
    return { resources: shown.filter((r): r is McpResource => r !== undefined) };
  });

  server.setRequestHandler(ListPromptsRequestSchema, async (_request, extra) => {
    const entries = await fromEveryUpstream('prompts/list', (u) => u.listPrompts(extra.signal));
    const shown = await Promise.all(
      entries.map(async ({ server: name, item }) =>
        (await visible({ type: 'McpPrompt', id: `${name}/${item.name}` }, { server: name, prompt: item.name })) ? { ...item, name: gatewayName(name, item.name) } : undefined,
      ),
    );
    return { prompts: shown.filter((p): p is Prompt => p !== undefined) };
  });

  const progressOf = (progressToken: string | number | undefined, send: (n: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; message: string } }) => Promise<void>): Progress => {
    let step = 0;
    return (message) => {
      // Without a progress token the agent asked for no progress; the call still waits.
      if (progressToken === undefined) return;
      send({ method: 'notifications/progress', params: { progressToken, progress: ++step, message } }).catch(() => undefined);
    };
  };

  const refusedTool = (message: string): CallToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const split = splitGatewayName(name);
    const upstream = split ? o.upstreams.get(split.server) : undefined;
    if (!split || !upstream) return refusedTool(`gatehouse: denied: unknown tool ${name} (tools are named SERVER__TOOL)`);
    let tool: Tool | undefined;
    try {
      tool = await upstream.tool(split.name, extra.signal);
    } catch (error) {
      return refusedTool(`gatehouse: upstream ${split.server} is unavailable (${(error as Error).message}); the call was not made`);
    }
    const built = buildCallContext({ server: split.server, tool: split.name }, args, textKindsFor(o.textArguments, split.server, split.name, tool?.inputSchema));
    if ('error' in built) return refusedTool(`gatehouse: denied: ${built.error}`);
    const resource: Resource = { type: 'McpTool', id: `${split.server}/${split.name}` };
    const progress = progressOf(request.params._meta?.progressToken, extra.sendNotification);
    const gate = await gateCall(gateOptions(o), { action: 'mcp.tools.call', resource, context: built.context }, progress, extra.signal);
    const call: Omit<RecordedCall, 'outcome' | 'decision'> = { method: 'tools/call', name, server: split.server, resource, arguments: args };
    if (!gate.proceed) {
      await o.recorder.call({ ...call, decision: gate.decision, outcome: gate.outcome, ...(gate.approval ? { approval: gate.approval } : {}) });
      const reason = gate.decision.reasons[0] ?? '';
      if (DEAD_CREDENTIAL.test(reason)) o.onCredentialRejected?.(reason);
      return refusedTool(gate.message);
    }
    let result: CallToolResult;
    try {
      result = await upstream.callTool(split.name, args, extra.signal, progress);
    } catch (error) {
      const message = (error as Error).message;
      await o.recorder.call({ ...call, decision: gate.decision, outcome: 'upstream-error', error: message, ...approvalOf(gate) });
      return refusedTool(`gatehouse: upstream ${split.server} failed during the call (${message}); its outcome is unknown`);
    }
    const masked = maskToolResult(result, gate.mask);
    if (!masked.ok) {
      await o.recorder.call({ ...call, decision: gate.decision, outcome: 'mask-failed', error: masked.reason, ...approvalOf(gate) });
      return refusedTool(`gatehouse: the result was withheld: the policy asks to mask ${gate.mask.map((p) => p.text).join(', ')} but ${masked.reason}`);
    }
    const recorded = await o.recorder.call({
      ...call,
      decision: gate.decision,
      outcome: result.isError ? 'tool-error' : 'ok',
      resultBytes: Buffer.byteLength(JSON.stringify(masked.result)),
      masked: masked.masked,
      ...approvalOf(gate),
    });
    if (!recorded) return refusedTool('gatehouse: the call could not be recorded in the audit log; its result was withheld');
    return masked.result;
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra): Promise<ReadResourceResult> => {
    const { uri } = request.params;
    if (!resourceServers.has(uri)) {
      for (const { server: s, item } of await fromEveryUpstream('resources/list', (u) => u.listResources(extra.signal))) noteResource(item.uri, s);
    }
    const name = resourceServers.get(uri);
    if (name === null) throw new McpError(DENIED_ERROR_CODE, `gatehouse: denied: several upstreams list the resource ${uri}; the gateway does not choose one`);
    const upstream = name ? o.upstreams.get(name) : undefined;
    if (!name || !upstream) throw new McpError(DENIED_ERROR_CODE, `gatehouse: denied: no upstream lists the resource ${uri}`);
    const resource: Resource = { type: 'McpResource', id: `${name}/${uri}` };
    const gate = await gateCall(gateOptions(o), { action: 'mcp.resources.read', resource, context: { mcp: { server: name, uri } } }, progressOf(request.params._meta?.progressToken, extra.sendNotification), extra.signal);
    const call: Omit<RecordedCall, 'outcome' | 'decision'> = { method: 'resources/read', name: uri, server: name, resource, arguments: { uri } };
    return forward(gate, call, () => upstream.readResource(uri, extra.signal), maskResourceResult);
  });

  server.setRequestHandler(GetPromptRequestSchema, async (request, extra): Promise<GetPromptResult> => {
    const { name, arguments: args } = request.params;
    const split = splitGatewayName(name);
    const upstream = split ? o.upstreams.get(split.server) : undefined;
    if (!split || !upstream) throw new McpError(DENIED_ERROR_CODE, `gatehouse: denied: unknown prompt ${name} (prompts are named SERVER__PROMPT)`);
    const resource: Resource = { type: 'McpPrompt', id: `${split.server}/${split.name}` };
    const context: JsonObject = { mcp: { server: split.server, prompt: split.name, arguments: { ...(args ?? {}) } } };
    const gate = await gateCall(gateOptions(o), { action: 'mcp.prompts.get', resource, context }, progressOf(request.params._meta?.progressToken, extra.sendNotification), extra.signal);
    const call: Omit<RecordedCall, 'outcome' | 'decision'> = { method: 'prompts/get', name, server: split.server, resource, arguments: args };
    return forward(gate, call, () => upstream.getPrompt(split.name, args, extra.signal), maskPromptResult);
  });

  /** resources/read and prompts/get: a refusal is a JSON-RPC error whose message is the reason. */
  async function forward<T>(
    gate: GateOutcome,
    call: Omit<RecordedCall, 'outcome' | 'decision'>,
    fetch: () => Promise<T>,
    mask: (result: T, paths: Extract<GateOutcome, { proceed: true }>['mask']) => { ok: true; result: T; masked: number } | { ok: false; reason: string },
  ): Promise<T> {
    if (!gate.proceed) {
      await o.recorder.call({ ...call, decision: gate.decision, outcome: gate.outcome, ...(gate.approval ? { approval: gate.approval } : {}) });
      throw new McpError(DENIED_ERROR_CODE, gate.message);
    }
    let result: T;
    try {
      result = await fetch();
    } catch (error) {
      const message = (error as Error).message;
      await o.recorder.call({ ...call, decision: gate.decision, outcome: 'upstream-error', error: message, ...approvalOf(gate) });
      throw new McpError(DENIED_ERROR_CODE, `gatehouse: upstream ${call.server} failed (${message})`);
    }
    const masked = mask(result, gate.mask);
    if (!masked.ok) {
      await o.recorder.call({ ...call, decision: gate.decision, outcome: 'mask-failed', error: masked.reason, ...approvalOf(gate) });
      throw new McpError(DENIED_ERROR_CODE, `gatehouse: the result was withheld: the policy asks to mask ${gate.mask.map((p) => p.text).join(', ')} but ${masked.reason}`);
    }
    const recorded = await o.recorder.call({ ...call, decision: gate.decision, outcome: 'ok', resultBytes: Buffer.byteLength(JSON.stringify(masked.result)), masked: masked.masked, ...approvalOf(gate) });
    if (!recorded) throw new McpError(DENIED_ERROR_CODE, 'gatehouse: the call could not be recorded in the audit log; its result was withheld');
    return masked.result;
  }

  return server;
}

function gateOptions(o: AgentSessionOptions) {
  return { decisions: o.decisions, token: o.token, sessionId: o.sessionId, approveHint: o.approveHint, ...(o.heartbeatMs ? { heartbeatMs: o.heartbeatMs } : {}) };
}

function approvalOf(gate: GateOutcome): { approval?: string } {
  return gate.approval ? { approval: gate.approval } : {};
}
