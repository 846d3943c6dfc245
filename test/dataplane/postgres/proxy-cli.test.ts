import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { freePort } from '../../support/free-port.ts';

const GATEHOUSE = resolve(import.meta.dirname, '../../../bin/gatehouse');

function gatehouse(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [GATEHOUSE, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('gatehouse proxy postgres: usage errors', () => {
  it('a missing --upstream is one line and exit 2', async () => {
    const run = await gatehouse(['proxy', 'postgres', '--resource', 'orders']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['gatehouse: proxy postgres: --upstream postgres://USER:PASSWORD@HOST:PORT/DB is required [GATEHOUSE_USAGE]']);
  });

  it('a malformed upstream URL is reported without its password', async () => {
    const run = await gatehouse(['proxy', 'postgres', '--resource', 'orders', '--upstream', 'postgres://u:s3cretpw@[bad/db']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('s3cretpw');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unknown flag is exit 2', async () => {
    const run = await gatehouse(['proxy', 'postgres', '--frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^gatehouse: proxy postgres: /);
  });

  it('flags come from GATEHOUSE_PROXY_* too (a bad listen address from the environment is exit 2)', async () => {
    const run = await gatehouse(['proxy', 'postgres', '--resource', 'orders', '--upstream', 'postgres://u:p@127.0.0.1:1/db'], { GATEHOUSE_PROXY_LISTEN: 'nowhere' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--listen must be HOST:PORT, got 'nowhere'");
  });
});

describe('gatehouse proxy postgres: running', () => {
  let h: ProxyHarness;
  beforeAll(async () => {
    h = await startProxyHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves a pg client configured only through the environment, records to --audit, and stops on SIGTERM', async () => {
    const port = await freePort();
    const work = await mkdtemp(join(tmpdir(), 'gatehouse-proxy-cli-'));
    const audit = join(work, 'audit.jsonl');
    const upstream = new URL(h.proxyUpstreamUrl);
    const child = spawn(process.execPath, [GATEHOUSE, 'proxy', 'postgres'], {
      env: {
        PATH: process.env.PATH ?? '',
        GATEHOUSE_PROXY_LISTEN: `127.0.0.1:${port}`,
        GATEHOUSE_PROXY_UPSTREAM: upstream.toString(),
        GATEHOUSE_PROXY_RESOURCE: 'orders',
        GATEHOUSE_PROXY_RESOURCE_ATTR: 'env=test,team=core',
        GATEHOUSE_PROXY_DECISION: h.server.address,
        GATEHOUSE_PROXY_AUDIT: `file:${audit}`,
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // Until the ready line or the process exits (startup loads the SQL parser: slow on a busy machine).
    let exited = false;
    child.on('exit', () => (exited = true));
    while (!exited && !output.includes('postgres proxy ready')) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('postgres proxy ready');
    expect(output).not.toContain(decodeURIComponent(upstream.password));

    const token = await h.issue();
    const client = new pg.Client({ host: '127.0.0.1', port, database: 'orders', user: 'planner', password: token });
    await client.connect();
    const rows = (await client.query('SELECT email FROM users WHERE id = 1')).rows;
    expect(rows).toEqual([{ email: '********' }]);
    await client.end();

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(0);
    const events = (await readFile(audit, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: { event: string } });
    expect(events.map((e) => e.data.event)).toEqual(['start', 'statement', 'end']);
    expect(JSON.stringify(events)).not.toContain(token);
  });
});
