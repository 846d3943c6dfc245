import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, execOn, sshCommand, startProxiedHost, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';
import ssh2, { type Client } from 'ssh2';

let h: ProxiedHostFixture;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-login-');
});
afterAll(() => h?.close());

async function loginError(password: string): Promise<string> {
  try {
    const client = await connectClient(h.proxy.port, password);
    client.end();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the login to be refused');
}

interface KeyboardInteractiveLogin {
  /** Each prompt round the server sent: its name and prompts, as the client saw them. */
  rounds: { name: string; prompts: { prompt: string; echo: boolean }[] }[];
  client?: Client;
  error?: string;
}

/** Logs in with keyboard-interactive only (no password method), answering every prompt with `answer`. */
function keyboardInteractiveLogin(answer: string): Promise<KeyboardInteractiveLogin> {
  const rounds: KeyboardInteractiveLogin['rounds'] = [];
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve({ rounds, client }));
    client.once('error', (error) => resolve({ rounds, error: error.message }));
    client.on('keyboard-interactive', (name, _instructions, _lang, asked, finish) => {
      rounds.push({ name, prompts: asked.map((p) => ({ prompt: p.prompt, echo: p.echo ?? true })) });
      finish(asked.map(() => answer));
    });
    client.connect({ host: '127.0.0.1', port: h.proxy.port, username: 'executor', tryKeyboard: true, readyTimeout: 15_000 });
  });
}

describe('login: the password is a scoped token, decided as ssh.connect', () => {
  it('a valid token logs in with the password method', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    client.end();
  });

  it('keyboard-interactive asks one unechoed "Password (Gatehouse token): " prompt, and the token logs in', async () => {
    const login = await keyboardInteractiveLogin(h.token);
    try {
      expect(login.rounds).toEqual([{ name: 'Gatehouse', prompts: [{ prompt: 'Password (Gatehouse token): ', echo: false }] }]);
      if (!login.client) throw new Error(`login failed: ${login.error}`);
      expect((await execOn(login.client, 'echo kbd-ok')).stdout).toBe('kbd-ok\n');
    } finally {
      login.client?.end();
    }
  });

  it('keyboard-interactive with a password that is not a token: the same prompt, then the login is refused', async () => {
    const login = await keyboardInteractiveLogin('hunter2');
    login.client?.end();
    expect(login.rounds[0]).toEqual({ name: 'Gatehouse', prompts: [{ prompt: 'Password (Gatehouse token): ', echo: false }] });
    expect(login.client).toBeUndefined();
    expect(login.error).toMatch(/authentication methods failed/);
  });

  it('the real ssh client logs in with keyboard-interactive only: sshpass answers the prompt', async () => {
    const result = await sshCommand(h.proxy.port, h.token, ['echo', 'kbd-ok'], ['-o', 'PreferredAuthentications=keyboard-interactive']);
    expect(result).toMatchObject({ code: 0, stdout: 'kbd-ok\n' });
  });

  it('an expired token is refused at login', async () => {
    const issued = await h.decision.authority.issuer.issue({
      subject: { id: 'planner-1', groups: ['ops'] },
      actions: ['ssh.connect', 'ssh.exec'],
      resource: { type: 'Host', id: 'web-1' },
      ttlSeconds: 60,
      executor: 'agent-7',
      now: new Date(Date.now() - 3_600_000),
    });
    expect(await loginError(issued.token)).toMatch(/authentication methods failed/);
  });

  it('an expired token is refused by the real ssh client too (exit 255, permission denied)', async () => {
    const issued = await h.decision.authority.issuer.issue({
      subject: { id: 'planner-1', groups: ['ops'] },
      actions: ['ssh.connect', 'ssh.exec'],
      resource: { type: 'Host', id: 'web-1' },
      ttlSeconds: 60,
      now: new Date(Date.now() - 3_600_000),
    });
    const result = await sshCommand(h.proxy.port, issued.token, ['uname']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
  });

  it('a token for another host is refused', async () => {
    expect(await loginError(await h.decision.token({ resourceId: 'db-9' }))).toMatch(/authentication methods failed/);
  });

  it('a password that is not a token is refused', async () => {
    expect(await loginError('hunter2')).toMatch(/authentication methods failed/);
  });
});

describe('requests other than exec and shell are refused', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connectClient(h.proxy.port, h.token);
  });
  afterAll(() => client?.end());

  it('local port forwarding (direct-tcpip) is refused', async () => {
    const error = await new Promise<Error | undefined>((resolve) => client.forwardOut('127.0.0.1', 0, '127.0.0.1', 22, (e) => resolve(e ?? undefined)));
    expect(error?.message).toMatch(/Channel open failure/);
  });

  it('remote port forwarding (tcpip-forward) is refused', async () => {
    const error = await new Promise<Error | undefined>((resolve) => client.forwardIn('127.0.0.1', 0, (e) => resolve(e ?? undefined)));
    expect(error?.message).toMatch(/Unable to bind|failure/i);
  });

  it('the sftp subsystem is refused', async () => {
    const error = await new Promise<Error | undefined>((resolve) => client.sftp((e) => resolve(e ?? undefined)));
    expect(error).toBeInstanceOf(Error);
  });

  it('the real ssh client: -R with ExitOnForwardFailure exits 255 with "remote port forwarding failed"', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        'sshpass',
        ['-e', 'ssh', '-N', '-p', String(h.proxy.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
          '-o', 'PubkeyAuthentication=no', '-o', 'ExitOnForwardFailure=yes', '-R', '127.0.0.1:0:127.0.0.1:22', 'executor@127.0.0.1'],
        { env: { ...process.env, SSHPASS: h.token }, timeout: 20_000 },
        (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/remote port forwarding failed/);
  });
});
