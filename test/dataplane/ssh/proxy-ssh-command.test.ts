import { execFile, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFlags, readFlags } from '../../../cli/commands/proxy-ssh.ts';
import { removeDir, sshCommand, startDecisionFixture, tempDir, upstreamFixture } from './ssh-proxy-fixture.ts';
import { freePort } from '../../support/free-port.ts';
import { DEFAULT_UPSTREAM_SHELL } from '../../../dataplane/ssh/upstream-shell.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const REQUIRED = ['--upstream', 'ssh://deploy@10.0.0.5:22', '--upstream-key', 'k', '--upstream-known-hosts', 'kh', '--resource', 'web-1'];

function gatehouse(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(resolve(ROOT, 'bin/gatehouse'), args, { env: { ...process.env, ...env }, timeout: 30_000 }, (error, _stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('gatehouse proxy ssh flags', () => {
  it('flags parse into the config with defaults (listen 127.0.0.1:2222, audit required, LANG,LC_*)', () => {
    const config = checkFlags(readFlags([...REQUIRED, '--resource-attr', 'env=prod', '--resource-attr', 'team=web'], {}));
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 2222 },
      upstream: { user: 'deploy', host: '10.0.0.5', port: 22 },
      attributes: { env: 'prod', team: 'web' },
      decision: '127.0.0.1:50051',
      auditRequired: true,
      envAllow: ['LANG', 'LC_*'],
      upstreamShell: DEFAULT_UPSTREAM_SHELL,
    });
  });

  it('GATEHOUSE_PROXY_<FLAG> variables fill in flags; flags win', () => {
    const flags = readFlags(['--resource', 'web-2'], {
      GATEHOUSE_PROXY_UPSTREAM: 'ssh://ops@host:2200',
      GATEHOUSE_PROXY_UPSTREAM_KEY: 'key',
      GATEHOUSE_PROXY_UPSTREAM_KNOWN_HOSTS: 'known',
      GATEHOUSE_PROXY_RESOURCE: 'ignored',
      GATEHOUSE_PROXY_AUDIT_REQUIRED: 'false',
    });
    const config = checkFlags(flags);
    expect(config).toMatchObject({ resource: 'web-2', upstreamKey: 'key', upstream: { port: 2200 }, auditRequired: false });
  });

  it.each([
    [['--resource', 'x', '--upstream-key', 'k', '--upstream-known-hosts', 'kh'], /--upstream ssh:\/\/USER@HOST:PORT is required/],
    [[...REQUIRED.slice(0, 2), '--resource', 'x', '--upstream-known-hosts', 'kh'], /--upstream-key FILE is required/],
    [[...REQUIRED.slice(0, 4), '--resource', 'x'], /--upstream-known-hosts FILE is required .*never trusted on first use/],
    [['--upstream', 'ssh://u:pw@h', '--upstream-key', 'k', '--upstream-known-hosts', 'kh', '--resource', 'x'], /must not carry a password/],
    [[...REQUIRED, '--audit-required', 'maybe'], /--audit-required must be true or false/],
    [[...REQUIRED, '--listen', 'nowhere'], /--listen must be HOST:PORT/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => checkFlags(readFlags(argv, {}))).toThrow(message);
  });

  it('bin/gatehouse proxy ssh with a missing key file fails with one line, no stack', async () => {
    const result = await gatehouse(['proxy', 'ssh', '--upstream', 'ssh://u@127.0.0.1:22', '--upstream-key', '/nonexistent/key', '--upstream-known-hosts', '/nonexistent/kh', '--resource', 'web-1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('gatehouse: proxy ssh: cannot read --upstream-key /nonexistent/key: ENOENT [GATEHOUSE_COMMAND_FAILED]\n');
  });
});

describe('bin/gatehouse proxy ssh as its own process', () => {
  it('starts from GATEHOUSE_PROXY_* variables, generates and persists a host key under var/, decides commands', async () => {
    const work = tempDir('gatehouse-ssh-cli-');
    const decision = await startDecisionFixture(work);
    const upstream = upstreamFixture();
    const port = await freePort();
    const child = spawn(resolve(ROOT, 'bin/gatehouse'), ['proxy', 'ssh', '--resource', 'web-1', '--log-level', 'warn'], {
      cwd: work,
      env: {
        ...process.env,
        GATEHOUSE_PROXY_LISTEN: `127.0.0.1:${port}`,
        GATEHOUSE_PROXY_UPSTREAM: `ssh://${upstream.target.user}@${upstream.target.host}:${upstream.target.port}`,
        GATEHOUSE_PROXY_UPSTREAM_KEY: upstream.keyPath,
        GATEHOUSE_PROXY_UPSTREAM_KNOWN_HOSTS: upstream.knownHostsPath,
        GATEHOUSE_PROXY_DECISION: decision.server.address,
        GATEHOUSE_PROXY_AUDIT: `file:${join(work, 'audit.jsonl')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const token = await decision.token();
      let allowed = await sshCommand(port, token, ['echo', 'via-cli']);
      for (let i = 0; allowed.code === 255 && i < 100 && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 200)); // still starting
        allowed = await sshCommand(port, token, ['echo', 'via-cli']);
      }
      expect(allowed, stderr).toMatchObject({ code: 0, stdout: 'via-cli\n' });
      const denied = await sshCommand(port, token, ['rm -rf /']);
      expect(denied.code).toBe(126);
      const hostKey = join(work, 'var/ssh-proxy/ssh_host_ed25519_key');
      expect(existsSync(hostKey)).toBe(true);
      expect(statSync(hostKey).mode & 0o077).toBe(0);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await decision.close();
      removeDir(work);
    }
  });
});
