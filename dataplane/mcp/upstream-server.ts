import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type GetPromptResult,
  type Prompt,
  type ReadResourceResult,
  type Resource as McpResource,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamSpec } from './upstream-spec.ts';

export type McpLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Past this many pages a list is cut: an upstream that keeps paging is broken, not big. */
const MAX_PAGES = 100;

/**
 * One upstream MCP server, shared by every agent session of the gateway. The connection is
 * opened on first use and again after it closes (a crashed stdio server is restarted by the
 * next call; the call that was in flight when it crashed fails, and the gateway reports that
 * to the agent as a failed call: it never guesses an outcome).
 */
export class UpstreamServer {
  private connecting: Promise<Client> | undefined;
  private generation = 0;
  private tools = new Map<string, Tool>();

  constructor(
    readonly spec: UpstreamSpec,
    private readonly log: McpLog,
    /** How long one call may take upstream without progress before it fails (default 5 minutes). */
    private readonly timeoutMs = 300_000,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  async listTools(signal?: AbortSignal): Promise<Tool[]> {
    const client = await this.client();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await client.listTools(cursor ? { cursor } : {}, { signal }).catch((e: unknown) => this.failed(e));
      tools.push(...answer.tools);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    this.tools = new Map(tools.map((tool) => [tool.name, tool]));
    return tools;
  }

  /** The tool as last listed, listing again once when it is not known (yet). */
  async tool(name: string, signal?: AbortSignal): Promise<Tool | undefined> {
    if (!this.tools.has(name)) await this.listTools(signal);
    return this.tools.get(name);
  }

  /** `progress` receives the upstream's progress messages (passed on to the agent). */
  async callTool(name: string, args: Record<string, unknown> | undefined, signal: AbortSignal, progress?: (message: string) => void): Promise<CallToolResult> {
    const client = await this.client();
    const result = await client.callTool({ name, ...(args ? { arguments: args } : {}) }, undefined, {
      signal,
      timeout: this.timeoutMs,
      resetTimeoutOnProgress: true,
      ...(progress ? { onprogress: (p: { progress: number; total?: number; message?: string }) => progress(p.message ?? `upstream progress ${p.progress}${p.total ? `/${p.total}` : ''}`) } : {}),
    }).catch((e: unknown) => this.failed(e));
    return result as CallToolResult;
  }

  async listResources(signal?: AbortSignal): Promise<McpResource[]> {
    const client = await this.client();
    if (!client.getServerCapabilities()?.resources) return [];
    const resources: McpResource[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await client.listResources(cursor ? { cursor } : {}, { signal }).catch((e: unknown) => this.failed(e));
      resources.push(...answer.resources);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return resources;
  }

  async readResource(uri: string, signal: AbortSignal): Promise<ReadResourceResult> {
    return (await this.client()).readResource({ uri }, { signal, timeout: this.timeoutMs }).catch((e: unknown) => this.failed(e));
  }

  async listPrompts(signal?: AbortSignal): Promise<Prompt[]> {
    const client = await this.client();
    if (!client.getServerCapabilities()?.prompts) return [];
    const prompts: Prompt[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await client.listPrompts(cursor ? { cursor } : {}, { signal }).catch((e: unknown) => this.failed(e));
      prompts.push(...answer.prompts);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return prompts;
  }

  async getPrompt(name: string, args: Record<string, string> | undefined, signal: AbortSignal): Promise<GetPromptResult> {
    return (await this.client()).getPrompt({ name, ...(args ? { arguments: args } : {}) }, { signal, timeout: this.timeoutMs }).catch((e: unknown) => this.failed(e));
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    this.generation++;
    if (!connecting) return;
    const client = await connecting.catch(() => undefined);
    await client?.close().catch(() => undefined);
  }

  /**
   * An HTTP upstream that failed at the transport level (restarted and forgot our session,
   * unreachable, timed out) is connected afresh on the next use; a JSON-RPC error the server
   * answered is its answer and keeps the connection. A stdio upstream is only reconnected
   * when its process ends (see connect), so one stuck call does not kill the others.
   */
  private async failed(error: unknown): Promise<never> {
    const transportLevel = !(error instanceof McpError) || error.code === ErrorCode.ConnectionClosed || error.code === ErrorCode.RequestTimeout;
    if (transportLevel && this.spec.kind === 'http') await this.close();
    throw error;
  }

  private client(): Promise<Client> {
    if (!this.connecting) {
      const generation = ++this.generation;
      this.connecting = this.connect(generation).catch((error: unknown) => {
        if (this.generation === generation) this.connecting = undefined;
        throw error;
      });
    }
    return this.connecting;
  }

  private async connect(generation: number): Promise<Client> {
    const client = new Client({ name: 'gatehouse-mcp-proxy', version: '0.1.0' });
    const transport = this.transport();
    client.onclose = () => {
      // Only forget the connection this client belongs to (a newer one may already exist).
      if (this.generation === generation) this.connecting = undefined;
      this.log('warn', 'upstream MCP connection closed', { upstream: this.name });
    };
    client.onerror = (error) => this.log('debug', 'upstream MCP transport error', { upstream: this.name, error: error.message });
    await client.connect(transport);
    this.log('info', 'connected to upstream MCP server', { upstream: this.name, server: client.getServerVersion()?.name });
    return client;
  }

  private transport(): Transport {
    if (this.spec.kind === 'http') return new StreamableHTTPClientTransport(this.spec.url);
    const transport = new StdioClientTransport({ command: this.spec.command, args: this.spec.args, stderr: 'pipe' });
    // The upstream's stderr is its log: kept out of the gateway's own stdout (the agent's
    // channel in --stdio mode) and passed to the gateway log.
    transport.stderr?.on('data', (chunk: Buffer) => this.log('debug', 'upstream stderr', { upstream: this.name, text: chunk.toString('utf8').slice(0, 2000) }));
    return transport;
  }
}
