import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FairDecisionClient } from '../../../dataplane/sdk/fair-decision-client.ts';
import { clearStaleSocket } from '../../../engine/runtime/unix-socket-file.ts';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';

const PSQL = '/usr/bin/psql';
const GATEHOUSE = resolve(import.meta.dirname, '../../../bin/gatehouse');

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('co-location over Unix domain sockets: decision service and PostgreSQL proxy', () => {
  let h: ProxyHarness;
  let dir: string;
  beforeAll(async () => {
    // A short path: socket paths are limited to 107 bytes.
    dir = await mkdtemp(join(tmpdir(), 'gh-uds-'));
    h = await startProxyHarness({
      serverListen: `unix:${join(dir, 'decision.sock')}`,
      proxyListen: { host: dir, port: 5432 },
      // A replica list whose first entry is a socket nobody listens on: the SDK fails over to the next.
      decisionClient: (address, deadlineMs) => new FairDecisionClient({ address: `unix:${join(dir, 'gone.sock')},${address}`, deadlineMs }),
    });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the decision service listens on its socket, owner-only, and the proxy decides over it', async () => {
    expect(h.server.address).toBe(`unix:${join(dir, 'decision.sock')}`);
    const mode = (await stat(join(dir, 'decision.sock'))).mode;
    expect(mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.s.PGSQL.5432'))).mode & 0o777).toBe(0o600);
  });

  it('psql -h DIR -p PORT connects through the proxy socket; statements are decided (past a dead replica socket) and masked', async () => {
    const token = await h.issue();
    const psql = (sql: string) => run(PSQL, ['-X', '-q', '-A', '-t', '-h', dir, '-p', '5432', '-U', 'planner', '-d', h.database, '-c', sql], { PGPASSWORD: token, PGCONNECT_TIMEOUT: '10' });
    const allowed = await psql('SELECT id, email FROM users ORDER BY id');
    expect(allowed.stderr).toBe('');
    expect(allowed.stdout.trim().split('\n')[0]).toBe('1|********');
    const denied = await psql('DROP TABLE orders');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/gatehouse|denied/i);
  });

  it('refuses to take over a socket something still listens on', async () => {
    await expect(clearStaleSocket(join(dir, 'decision.sock'))).rejects.toThrow(/already listens/);
  });
});

describe('stale socket files', () => {
  it('a socket file nobody listens on is removed; a regular file is left alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-stale-'));
    try {
      const path = join(dir, 's.sock');
      // A listener killed with SIGKILL leaves its socket file behind.
      const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`]);
      await new Promise<void>((done) => child.stdout.once('data', () => done()));
      child.kill('SIGKILL');
      await new Promise((done) => child.once('exit', done));
      expect((await stat(path)).isSocket()).toBe(true);
      await clearStaleSocket(path);
      await expect(stat(path)).rejects.toThrow(/ENOENT/);

      const regular = join(dir, 'file');
      await writeFile(regular, 'x');
      await expect(clearStaleSocket(regular)).rejects.toThrow(/not a socket/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('unix: addresses at the command line', () => {
  const upstream = ['--resource', 'orders', '--upstream', 'postgres://u:p@127.0.0.1:1/db'];
  it('a relative socket path for serve --listen is one line and exit 2', async () => {
    const r = await run(process.execPath, [GATEHOUSE, 'serve', '--listen', 'unix:relative.sock']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["gatehouse: serve: --listen must be unix:/ABSOLUTE/PATH, got 'unix:relative.sock' [GATEHOUSE_USAGE]"]);
  });

  it('a too-long socket path for --decision is one line and exit 2', async () => {
    const long = `unix:/${'x'.repeat(200)}`;
    const r = await run(process.execPath, [GATEHOUSE, 'proxy', 'postgres', ...upstream, '--decision', `127.0.0.1:50051,${long}`]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('socket path is longer than 107 bytes');
  });

  it('the proxy --listen unix:DIR needs an existing directory', async () => {
    const r = await run(process.execPath, [GATEHOUSE, 'proxy', 'postgres', ...upstream, '--listen', 'unix:/nonexistent-gatehouse-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["gatehouse: proxy postgres: --listen must be unix:DIR or unix:DIR/.s.PGSQL.PORT with an existing DIR, got 'unix:/nonexistent-gatehouse-dir' [GATEHOUSE_USAGE]"]);
  });

  it('an empty unix: decision address is one line and exit 2 (the check ssh and mcp proxies share)', async () => {
    const r = await run(process.execPath, [GATEHOUSE, 'proxy', 'postgres', ...upstream, '--decision', 'unix:']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["gatehouse: proxy postgres: --decision must be unix:/ABSOLUTE/PATH, got 'unix:' [GATEHOUSE_USAGE]"]);
  });
});
