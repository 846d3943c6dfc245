import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMERS, startMcpStack, type McpStack } from './mcp-proxy-fixture.ts';

let s: McpStack;
let agent: Client;
beforeAll(async () => {
  s = await startMcpStack('gatehouse-mcp-proxy-');
  agent = await s.connect(await s.agentToken());
}, 60_000);
afterAll(() => s?.close());

const GATEHOUSE_BIN = fileURLToPath(new URL('../../../bin/gatehouse', import.meta.url));
const REVIEWER = { id: 'reviewer-1', groups: ['reviewers'] };

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(result: CallToolResult): string {
  return result.content.map((item) => (item.type === 'text' ? item.text : `[${item.type}]`)).join('\n');
}

describe('identity: an OAuth protected resource', () => {
  it('answers 401 with the resource metadata URL when no bearer credential is sent, and serves the metadata', async () => {
    const response = await fetch(s.proxyUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`http://127.0.0.1:${s.proxy.address.port}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: s.proxyUrl, authorization_servers: [s.idp.issuer], bearer_methods_supported: ['header'] });
  });

  it('an expired scoped token is refused with 401 invalid_token', async () => {
    const expired = await s.scopedToken('db/query', { now: new Date(Date.now() - 3_600_000) });
    await expect(s.connect(expired)).rejects.toThrow();
    const response = await fetch(s.proxyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${expired}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token".*expired/);
  });

  it('an OIDC identity outside the agents group gets 403', async () => {
    await expect(s.connect(await s.idp.token('stranger', { groups: [] }))).rejects.toThrow();
  });
});

describe('what the agent sees', () => {
  it('tools/list shows only the tools the subject may call, with descriptions unchanged', async () => {
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['db__query', 'db__read_file', 'db__run', 'db__send_email', 'local__crash', 'local__query']);
    expect(tools.find((t) => t.name === 'db__query')?.description).toBe('Runs one read-only SQL query on the orders database; returns the rows as JSON.');
  });

  it('a hidden tool called by name is denied like any other', async () => {
    const result = await call(agent, 'local__send_email', { to: 'x@example.com', subject: 'hi' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("tool local/send_email is not on the gateway's allow-list");
    expect(existsSync(join(s.scratch, 'outbox.jsonl'))).toBe(false);
  });

  it('resources and prompts are listed and gated too', async () => {
    const { resources } = await agent.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(['file:///db/customers.json', 'file:///db/notes.txt', 'file:///local/customers.json', 'file:///local/notes.txt']);
    const customers = await agent.readResource({ uri: 'file:///db/customers.json' });
    const rows = JSON.parse((customers.contents[0] as { text: string }).text) as { email: string; name: string }[];
    expect(rows.map((r) => r.email)).toEqual(['********', '********']);
    expect(rows.map((r) => r.name)).toEqual(CUSTOMERS.map((c) => c.name));
    const { prompts } = await agent.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['db__summarize', 'local__summarize']);
    const prompt = await agent.getPrompt({ name: 'db__summarize', arguments: { text: 'abc' } });
    expect(prompt.messages[0]?.content).toMatchObject({ type: 'text', text: 'Summarize: abc' });
    // resources/read and prompts/get have no error result: a refusal is a JSON-RPC error.
    await expect(agent.getPrompt({ name: 'local__summarize', arguments: { text: 'abc' } })).rejects.toMatchObject({
      code: -32003,
      message: expect.stringContaining("prompts of the local server are not for agents"),
    });
    await expect(agent.readResource({ uri: 'file:///local/notes.txt' })).rejects.toMatchObject({
      code: -32003,
      message: expect.stringMatching(/result was withheld: the policy asks to mask secret but content 0 is not JSON/),
    });
  });
});

describe('decided calls', () => {
  it('an allowed SELECT reaches PostgreSQL and the email field of every row is masked', async () => {
    const result = await call(agent, 'db__query', { sql: 'SELECT id, name, email FROM mcp_customers ORDER BY id' });
    expect(result.isError).toBeFalsy();
    const rows = (JSON.parse(textOf(result)) as { rows: { id: number; name: string; email: string }[] }).rows;
    expect(rows).toEqual(CUSTOMERS.map((c) => ({ ...c, email: '********' })));
    expect(result.structuredContent).toEqual({ rows: CUSTOMERS.map((c) => ({ ...c, email: '********' })) });
  });

  it('a DELETE is denied before the upstream sees it; the reason is the tool result', async () => {
    const result = await call(agent, 'db__query', { sql: 'DELETE FROM mcp_customers' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^gatehouse: denied: .*only SELECT is allowed, not delete/);
    const still = await call(agent, 'db__query', { sql: 'SELECT count(*) AS n FROM mcp_customers' });
    expect(JSON.parse(textOf(still))).toEqual({ rows: [{ n: String(CUSTOMERS.length) }] });
  });

  it('a shell argument named in the proxy config gets shell facts: rm hidden in a pipeline is denied, ls runs', async () => {
    const denied = await call(agent, 'db__run', { command: 'ls | xargs rm -f' });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain('not a read-only command: xargs rm -f');
    expect(existsSync(join(s.scratch, 'hello.txt'))).toBe(true);
    const allowed = await call(agent, 'db__run', { command: 'cat hello.txt' });
    expect(JSON.parse(textOf(allowed))).toMatchObject({ stdout: 'hello\n', code: 0 });
  });

  it('a result that cannot be masked (plain text) is withheld', async () => {
    const result = await call(agent, 'db__read_file', { path: 'notes.txt' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/result was withheld: the policy asks to mask secret but content item 0 is not JSON/);
    expect(textOf(result)).not.toContain('plain notes');
  });

  it('send_email is held for approval with progress notifications, and sent once a reviewer approves', async () => {
    const progress: string[] = [];
    let approvalId = '';
    const result = (await agent.callTool({ name: 'db__send_email', arguments: { to: 'ops@example.com', subject: 'deploy done' } }, undefined, {
      onprogress: (p) => {
        progress.push(p.message ?? '');
        const id = /approval id ([0-9a-f-]{36})/.exec(p.message ?? '')?.[1];
        if (id && !approvalId) {
          approvalId = id;
          // Nothing was sent while the call is held.
          expect(existsSync(join(s.scratch, 'outbox.jsonl'))).toBe(false);
          void s.approvals.approve(id, REVIEWER, { comment: 'ok' });
        }
      },
      resetTimeoutOnProgress: true,
    })) as CallToolResult;
    expect(progress[0]).toContain('sending email needs a reviewer');
    expect(progress[0]).toContain(`gatehouse approvals approve ${approvalId}`);
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(textOf(result))).toEqual({ sent: true, to: 'ops@example.com' });
    expect(readFileSync(join(s.scratch, 'outbox.jsonl'), 'utf8')).toContain('deploy done');
  });

  it('a held call repeats its progress while it waits; a denied approval refuses the call and says so', async () => {
    const result = (await agent.callTool({ name: 'db__send_email', arguments: { to: 'ceo@example.com', subject: 'refused mail' } }, undefined, {
      onprogress: (p) => {
        // Denied only once the proxy has said it is still waiting.
        const id = /approval id ([0-9a-f-]{36}).*\(still waiting\)$/.exec(p.message ?? '')?.[1];
        if (id) void s.approvals.deny(id, REVIEWER, { comment: 'not now' }).catch(() => undefined);
      },
      resetTimeoutOnProgress: true,
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/approval:[0-9a-f-]{36}: denied by reviewer-1 \(not now\); the call was not made/);
    expect(readFileSync(join(s.scratch, 'outbox.jsonl'), 'utf8')).not.toContain('refused mail');
  });

  it('an upstream that crashes mid-call fails the call; the next call starts it again', async () => {
    const crashed = await call(agent, 'local__crash', {});
    expect(crashed.isError).toBe(true);
    expect(textOf(crashed)).toMatch(/gatehouse: upstream local failed during the call .*its outcome is unknown/);
    const after = await call(agent, 'local__query', { sql: 'SELECT 1 AS one' });
    expect(JSON.parse(textOf(after))).toEqual({ rows: [{ one: 1 }] });
  });

  it('an HTTP upstream that is down fails the call closed; once it is back the gateway reconnects', async () => {
    await s.stopUpstream();
    try {
      const down = await call(agent, 'db__query', { sql: 'SELECT 1 AS one' });
      expect(down.isError).toBe(true);
      expect(textOf(down)).toMatch(/^gatehouse: upstream db (failed during the call|is unavailable)/);
    } finally {
      await s.restartUpstream();
    }
    const back = await call(agent, 'db__query', { sql: 'SELECT 1 AS one' });
    expect(JSON.parse(textOf(back))).toEqual({ rows: [{ one: 1 }] });
  });

  it('malformed JSON-RPC gets a JSON-RPC parse error and the gateway keeps serving the session', async () => {
    const token = await s.agentToken();
    const raw = await s.connect(token);
    const sessionId = (raw.transport as { sessionId?: string }).sessionId!;
    const response = await fetch(s.proxyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: '{"jsonrpc": "2.0", "id": 7, "method": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const noSession = await fetch(s.proxyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: 'not json',
    });
    expect(noSession.status).toBe(400);
    expect(((await noSession.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const result = await call(raw, 'db__query', { sql: 'SELECT 2 AS two' });
    expect(JSON.parse(textOf(result))).toEqual({ rows: [{ two: 2 }] });
  });
});

describe('scoped tokens bind tools and uses', () => {
  it('a token for one tool lists only that tool, refuses another tool, and counts a use per call', async () => {
    const client = await s.connect(await s.scopedToken('db/query', { maxUses: 2 }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['db__query']);
    const other = await call(client, 'db__run', { command: 'ls' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain('token:audience: the token is for McpTool:db/query, not McpTool:db/run');
    expect((await call(client, 'db__query', { sql: 'SELECT 1 AS one' })).isError).toBeFalsy();
    expect((await call(client, 'db__query', { sql: 'SELECT 1 AS one' })).isError).toBeFalsy();
    const spent = await call(client, 'db__query', { sql: 'SELECT 1 AS one' });
    expect(spent.isError).toBe(true);
    expect(textOf(spent)).toContain('use(s) are spent');
  });

  it('a token revoked during the session: the call is refused, then the session answers 401 invalid_token', async () => {
    const token = await s.scopedToken('db/query');
    const client = await s.connect(token);
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    expect((await call(client, 'db__query', { sql: 'SELECT 1 AS one' })).isError).toBeFalsy();
    await s.revoke(token);
    const refused = await call(client, 'db__query', { sql: 'SELECT 1 AS one' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('token:revoked');
    const response = await fetch(s.proxyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('a session stays bound to the credential it was opened with', async () => {
    const token = await s.agentToken();
    const client = await s.connect(token);
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    const response = await fetch(s.proxyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await s.scopedToken('db/query')}`, 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(response.status).toBe(401);
  });
});

describe('audit', () => {
  it('records the session start, each call with its decision id and a digest of the arguments, and the end', async () => {
    const client = await s.connect(await s.agentToken());
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    await call(client, 'db__query', { sql: 'SELECT id FROM mcp_customers' });
    await call(client, 'db__query', { sql: 'DROP TABLE mcp_customers' });
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await client.close();
    const events = () => s.events().filter((e) => e.data.sessionId === sessionId);
    await expect.poll(() => events().map((e) => e.data.kind), { timeout: 20_000 }).toEqual(['start', 'call', 'call', 'end']);
    const [, allowed, denied] = events();
    expect(allowed!.data).toMatchObject({ protocol: 'mcp', method: 'tools/call', name: 'db__query', effect: 'allow', outcome: 'ok', masked: 0 });
    expect(allowed!.data.decisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(allowed!.data.argumentsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(denied!.data).toMatchObject({ effect: 'deny', outcome: 'denied' });
    expect(JSON.stringify(events())).not.toContain('DROP TABLE');
    // `gatehouse replay session` joins the proxy's events with the service's decisions.
    const replay = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [GATEHOUSE_BIN, 'replay', 'session', sessionId, '--source', `file:${s.auditPath}`, '--source', `file:${join(s.work, 'decisions.jsonl')}`],
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    expect(replay).toMatch(/session +kind=start/);
    expect(replay).toMatch(/decision deny +mcp\.tools\.call McpTool:db\/query +DROP TABLE mcp_customers/);
    expect(replay).toMatch(/session +kind=call .*effect=deny outcome=denied/);
    expect(replay).toMatch(/session +kind=end reason=closed by the agent/);
  });
});

describe('a local agent on stdio (the real CLI)', () => {
  it('`gatehouse proxy mcp --stdio` serves the agent with the credential from GATEHOUSE_MCP_TOKEN', async () => {
    const agentToken = await s.agentToken();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        GATEHOUSE_BIN,
        'proxy',
        'mcp',
        '--stdio',
        '--upstream',
        `db=${s.upstreamUrl}`,
        '--resource',
        'test-gateway',
        '--decision',
        s.decision.address,
        '--audit',
        `file:${join(s.work, 'stdio-audit.jsonl')}`,
        '--log-level',
        'warn',
      ],
      env: { ...(process.env as Record<string, string>), GATEHOUSE_MCP_TOKEN: agentToken },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-agent', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['db__query', 'db__read_file', 'db__run', 'db__send_email']);
      const denied = (await client.callTool({ name: 'db__query', arguments: { sql: 'TRUNCATE mcp_customers' } })) as CallToolResult;
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toContain('only SELECT is allowed, not truncate');
      const allowed = (await client.callTool({ name: 'db__query', arguments: { sql: 'SELECT name FROM mcp_customers ORDER BY id' } })) as CallToolResult;
      expect(JSON.parse(textOf(allowed))).toEqual({ rows: CUSTOMERS.map((c) => ({ name: c.name })) });
    } finally {
      await client.close();
    }
    const events = () => readFileSync(join(s.work, 'stdio-audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { data: { kind: string; transport?: string } });
    await expect.poll(() => events().map((e) => e.data.kind), { timeout: 20_000 }).toEqual(['start', 'call', 'call', 'end']);
    expect(events()[0]!.data.transport).toBe('stdio');
  });
});

describe('fail closed', () => {
  it('with the decision service down, a call is refused (fail closed) with the reason', async () => {
    await s.decision.close();
    const result = await call(agent, 'db__query', { sql: 'SELECT 1' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/decision service unavailable.*denied \(fail closed\)/);
  });
});
