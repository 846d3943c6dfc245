import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFlags, readFlags } from '../../../cli/commands/proxy-mcp.ts';
import { parseTextArgument } from '../../../dataplane/mcp/tool-call-context.ts';
import { parseUpstreamSpec } from '../../../dataplane/mcp/upstream-spec.ts';

const GATEHOUSE = fileURLToPath(new URL('../../../bin/gatehouse', import.meta.url));

function gatehouse(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GATEHOUSE, ...args], { env: { ...process.env, GATEHOUSE_MCP_TOKEN: '' } }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('gatehouse proxy mcp flags', () => {
  it('parses HTTP and stdio upstreams and text arguments', () => {
    const config = checkFlags(
      readFlags(['--upstream', 'db=http://127.0.0.1:3001/mcp', '--upstream', 'ops=node /opt/ops.js --quiet', '--text-arg', 'db/query:sql=sql', '--resource', 'gw'], {}),
      false,
    );
    expect(config.upstreams).toEqual([
      { name: 'db', kind: 'http', url: new URL('http://127.0.0.1:3001/mcp') },
      { name: 'ops', kind: 'stdio', command: 'node', args: ['/opt/ops.js', '--quiet'] },
    ]);
    expect(config.textArguments.get('db/query')?.get('sql')).toBe('sql');
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8931 });
  });

  it('reads flags from GATEHOUSE_PROXY_* variables', () => {
    const config = checkFlags(readFlags([], { GATEHOUSE_PROXY_UPSTREAM: 'a=http://h/mcp,b=http://i/mcp', GATEHOUSE_PROXY_RESOURCE: 'gw' }), false);
    expect(config.upstreams.map((u) => u.name)).toEqual(['a', 'b']);
  });

  it('refuses bad upstreams and text arguments with one actionable line', () => {
    expect(() => parseUpstreamSpec('db')).toThrow(/must be NAME=URL or NAME=COMMAND/);
    expect(() => parseUpstreamSpec('My_DB=http://h/mcp')).toThrow(/lower-case letters, digits and single dashes/);
    expect(() => parseUpstreamSpec('a__b=http://h/mcp')).toThrow(/lower-case letters/);
    expect(() => parseTextArgument('db/query=sql')).toThrow(/SERVER\/TOOL:ARGUMENT=sql\|shell/);
    expect(() => checkFlags(readFlags(['--upstream', 'db=http://h/mcp', '--text-arg', 'ops/run:cmd=shell', '--resource', 'gw'], {}), false)).toThrow(
      'proxy mcp: --text-arg names server ops, which is not an --upstream',
    );
    expect(() => checkFlags(readFlags(['--upstream', 'db=http://h/mcp', '--upstream', 'db=http://i/mcp', '--resource', 'gw'], {}), false)).toThrow(/given twice/);
  });

  it('the CLI exits 2 with one line on stderr for a usage error', async () => {
    const missing = await gatehouse(['proxy', 'mcp', '--resource', 'gw']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('gatehouse: proxy mcp: --upstream NAME=URL|NAME=COMMAND is required [GATEHOUSE_USAGE]\n');
    const noToken = await gatehouse(['proxy', 'mcp', '--stdio', '--upstream', 'db=http://127.0.0.1:1/mcp', '--resource', 'gw']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toBe('gatehouse: proxy mcp: --stdio reads the agent credential from GATEHOUSE_MCP_TOKEN, which is not set [GATEHOUSE_USAGE]\n');
  });

  it('docs/mcp-proxy.md describes every flag of the command', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/mcp-proxy.md', import.meta.url)), 'utf8');
    const source = readFileSync(fileURLToPath(new URL('../../../cli/commands/proxy-mcp.ts', import.meta.url)), 'utf8');
    const flags = [...source.matchAll(/^  '?([a-z-]+)'?: \{ type: 'string'/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10);
    for (const flag of [...flags, 'stdio']) expect(doc, `--${flag}`).toContain(`--${flag}`);
  });
});
