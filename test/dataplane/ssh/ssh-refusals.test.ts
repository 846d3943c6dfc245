import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDir } from './canary-dir.ts';
import { sshCommand, startProxiedHost, type CommandResult, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';

/** Refusals name their reason to the real OpenSSH tools; decided file transfer keeps working. */
let h: ProxiedHostFixture;
let files: CanaryDir;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-refusals-');
  files = new CanaryDir('gatehouse-refusals-');
});
afterAll(async () => {
  files?.remove();
  await h?.close();
});

const SSH_OPTIONS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1'];

/** Runs an OpenSSH tool (scp, sftp, rsync) through sshpass with the token as the password. */
function sshpass(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile('sshpass', ['-e', program, ...args], { env: { ...process.env, ...env, SSHPASS: h.token }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('refused requests say why', () => {
  it('stdio and local forwarding (-W, -L, -D use direct-tcpip) fail with the Gatehouse reason, not an empty "connect failed"', async () => {
    // OpenSSH logs a channel open failure at INFO: the fixture's LogLevel=ERROR would hide it.
    const options = SSH_OPTIONS.map((o) => (o === 'LogLevel=ERROR' ? 'LogLevel=INFO' : o));
    const result = await sshpass('ssh', ['-p', String(h.proxy.port), ...options, '-W', '127.0.0.1:22', 'executor@127.0.0.1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/administratively prohibited: gatehouse: forwarding to 127\.0\.0\.1:22 is refused: this Gatehouse SSH proxy only runs commands that policy decides/);
  });

  it('remote forwarding (-R) is refused and the reason reaches stderr; the command still runs', async () => {
    const result = await sshCommand(h.proxy.port, h.token, ['echo', 'still-runs'], ['-o', 'ExitOnForwardFailure=no', '-R', '0:127.0.0.1:22']);
    expect(result.stdout).toContain('still-runs');
    expect(result.stderr).toMatch(/gatehouse: remote forwarding .*is refused/);
  });

  it('X11 forwarding is refused with a reason on stderr', async () => {
    // The client asks for X11 only when DISPLAY is set; no X server is needed for the request.
    const result = await sshpass('ssh', ['-p', String(h.proxy.port), ...SSH_OPTIONS, '-o', 'ForwardX11=yes', '-o', 'ForwardX11Trusted=yes', 'executor@127.0.0.1', 'echo', 'x11-done'], { DISPLAY: ':0', XAUTHORITY: '/nonexistent' });
    expect(result.stdout).toContain('x11-done');
    expect(result.stderr).toMatch(/gatehouse: X11 forwarding is refused/);
  });

  it('agent forwarding is refused with a reason on stderr', async () => {
    const socket = join(files.path, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 25));
      expect(existsSync(socket)).toBe(true);
      const result = await sshpass('ssh', ['-p', String(h.proxy.port), ...SSH_OPTIONS, '-A', 'executor@127.0.0.1', 'echo', 'agent-done'], { SSH_AUTH_SOCK: socket });
      expect(result.stdout).toContain('agent-done');
      expect(result.stderr).toMatch(/gatehouse: agent forwarding is refused/);
    } finally {
      agent.kill();
    }
  });

  it('the sftp subsystem is refused with the reason on stderr', async () => {
    const result = await sshCommand(h.proxy.port, h.token, ['sftp'], ['-s']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/gatehouse: the sftp subsystem is refused/);
  });

  it("scp's default (SFTP) mode is refused with the reason; scp -O works as a decided command", async () => {
    const source = join(files.path, 'source.txt');
    writeFileSync(source, 'copied through gatehouse\n');
    const refused = join(files.path, 'refused.txt');
    const sftpMode = await sshpass('scp', ['-P', String(h.proxy.port), ...SSH_OPTIONS, source, `executor@127.0.0.1:${refused}`]);
    expect(sftpMode.code).not.toBe(0);
    expect(sftpMode.stderr).toMatch(/gatehouse: the sftp subsystem is refused/);
    expect(existsSync(refused)).toBe(false);

    const copied = join(files.path, 'copied.txt');
    const legacy = await sshpass('scp', ['-O', '-P', String(h.proxy.port), ...SSH_OPTIONS, source, `executor@127.0.0.1:${copied}`]);
    expect(legacy.stderr).toBe('');
    expect(legacy.code).toBe(0);
    expect(readFileSync(copied, 'utf8')).toBe('copied through gatehouse\n');
  });

  it('rsync -e ssh works as a decided command', async () => {
    const source = join(files.path, 'rsync-source.txt');
    writeFileSync(source, 'rsynced through gatehouse\n');
    const target = join(files.path, 'rsync-target.txt');
    const rsh = ['ssh', '-p', String(h.proxy.port), ...SSH_OPTIONS].join(' ');
    const result = await sshpass('rsync', ['-e', rsh, source, `executor@127.0.0.1:${target}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('rsynced through gatehouse\n');
  });

  it('a denied command names the policy reason on stderr with exit status 126', async () => {
    const result = await sshCommand(h.proxy.port, h.token, ['rm', '-rf', join(files.path, 'x')]);
    expect(result.code).toBe(126);
    expect(result.stderr).toMatch(/gatehouse: command denied: .*recursive rm is not allowed/);
  });
});
