import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import pg from 'pg';

export interface UpstreamToolsOptions {
  /** PostgreSQL the `query` tool runs SQL on. */
  pgUrl: string;
  /** Scratch directory: the shell tool's cwd, the outbox of `send_email`, the files of `read_file`. */
  scratch: string;
  /** Names this server's resources (`file:///LABEL/…`), so two of them list different URIs. */
  label: string;
}

const TOOLS = [
  {
    name: 'query',
    description: 'Runs one read-only SQL query on the orders database; returns the rows as JSON.',
    // The schema marks the SQL argument; the proxy turns it into context.sql.text.
    inputSchema: { type: 'object' as const, properties: { sql: { type: 'string', format: 'sql' } }, required: ['sql'] },
  },
  {
    name: 'run',
    description: 'Runs a shell command line in the scratch directory.',
    inputSchema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] },
  },
  {
    name: 'send_email',
    description: 'Sends an email (appends it to the outbox).',
    inputSchema: { type: 'object' as const, properties: { to: { type: 'string' }, subject: { type: 'string' }, body: { type: 'string' } }, required: ['to', 'subject'] },
  },
  {
    name: 'read_file',
    description: 'Returns a file of the scratch directory as text.',
    inputSchema: { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] },
  },
  {
    name: 'crash',
    description: 'Exits the server process in the middle of the call.',
    inputSchema: { type: 'object' as const, properties: {} },
  },
];

function text(value: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: value }], ...(isError ? { isError: true } : {}) };
}

/** A real MCP server (official SDK) with SQL, shell, email-like and file tools, a resource and a prompt. */
export function createUpstreamServer(o: UpstreamToolsOptions): Server {
  const server = new Server({ name: 'gatehouse-test-upstream', version: '1.0.0' }, { capabilities: { tools: {}, resources: {}, prompts: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    switch (request.params.name) {
      case 'query': {
        const client = new pg.Client({ connectionString: o.pgUrl });
        await client.connect();
        try {
          const result = await client.query(String(args.sql));
          return { content: [{ type: 'text', text: JSON.stringify({ rows: result.rows }) }], structuredContent: { rows: result.rows } };
        } catch (error) {
          return text(`query failed: ${(error as Error).message}`, true);
        } finally {
          await client.end();
        }
      }
      case 'run':
        return new Promise<CallToolResult>((resolve) => {
          execFile('bash', ['-c', String(args.command)], { cwd: o.scratch, timeout: 10_000 }, (error, stdout, stderr) =>
            resolve(text(JSON.stringify({ stdout, stderr, code: error ? (error as { code?: number }).code ?? 1 : 0 }))),
          );
        });
      case 'send_email':
        appendFileSync(join(o.scratch, 'outbox.jsonl'), `${JSON.stringify(args)}\n`);
        return text(JSON.stringify({ sent: true, to: args.to }));
      case 'read_file':
        return text(readFileSync(join(o.scratch, String(args.path).replace(/\.\./g, '')), 'utf8'));
      case 'crash':
        return process.exit(3);
      default:
        return text(`unknown tool ${request.params.name}`, true);
    }
  });
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: [
      { uri: `file:///${o.label}/notes.txt`, name: 'notes', mimeType: 'text/plain' },
      { uri: `file:///${o.label}/customers.json`, name: 'customers', mimeType: 'application/json' },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const name = request.params.uri.replace(`file:///${o.label}/`, '').replace(/\.\./g, '');
    return { contents: [{ uri: request.params.uri, text: readFileSync(join(o.scratch, name), 'utf8') }] };
  });
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [{ name: 'summarize', description: 'Summarize a text', arguments: [{ name: 'text', required: true }] }] }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${request.params.arguments?.text ?? ''}` } }],
  }));
  return server;
}
