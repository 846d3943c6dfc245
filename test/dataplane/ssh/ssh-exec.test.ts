import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSessionsEnded, connectClient, execOn, sshCommand, startProxiedHost, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';
import { waitUntil } from '../../support/wait-until.ts';

let h: ProxiedHostFixture;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-exec-');
});
afterAll(() => h?.close());

describe('ssh exec through the proxy (real ssh client, real sshd)', () => {
  it('allowed `uname -a` runs on the host and returns its output and exit status 0', async () => {
    const result = await sshCommand(h.proxy.port, h.token, ['uname', '-a']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Linux /);
  });

  it('the exit status of a failing allowed command is passed through (exit 3)', async () => {
    const result = await sshCommand(h.proxy.port, h.token, ['ls /nonexistent-gatehouse; exit 3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('nonexistent-gatehouse');
  });

  const denied: [string, string][] = [
    ['plain', 'rm -rf /'],
    ['inside bash -c', 'bash -c "rm -rf /"'],
    ['inside $(…)', 'echo $(rm -rf /)'],
    ['inside backticks', 'echo `rm -rf /`'],
    ['in a ; list', 'true; rm -rf /'],
    ['in a pipe', 'ls | rm -rf /'],
    ['decoded from base64 into sh -c', 'sh -c "$(echo cm0gLXJmIC8= | base64 -d)"'],
  ];
  for (const [where, command] of denied) {
    it(`denied rm -rf / ${where} (${command}) exits 126 with the reason on stderr`, async () => {
      const result = await sshCommand(h.proxy.port, h.token, [command]);
      expect(result.code).toBe(126);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^gatehouse: command denied: /);
      expect(result.stderr).toMatch(/recursive rm is not allowed|only known at run time/);
    });
  }

  it('every decided command is its own session event with decision id, effect and redacted text', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      await execOn(client, 'true --password=hunter2');
      await execOn(client, 'rm -rf /');
    } finally {
      client.end();
    }
    await waitUntil('the session end recorded', () => allSessionsEnded(h.proxy.events()));
    const commands = h.proxy.events().filter((e) => e.type === 'gatehouse.session.v1' && e.data.kind === 'command');
    const allowed = commands.find((e) => typeof e.data.text === 'string' && e.data.text.startsWith('true --password'));
    const deniedEvent = commands.find((e) => e.data.text === 'rm -rf /');
    expect(allowed?.data).toMatchObject({ effect: 'allow', outcome: 'run', text: 'true --password=[REDACTED]', protocol: 'ssh' });
    expect(typeof allowed?.data.decisionId).toBe('string');
    expect(deniedEvent?.data).toMatchObject({ effect: 'deny', outcome: 'denied' });
    const recorded = JSON.stringify(h.proxy.events());
    expect(recorded.includes('hunter2'), 'the password appears in the recording').toBe(false);
    expect(recorded.includes(h.token), 'the login token appears in the recording').toBe(false);
  });

  it('stdout and stderr are streamed separately and large output arrives complete (1 MiB)', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const result = await execOn(client, 'head -c 1048576 /dev/zero | tr "\\0" "a"; echo err >&2');
      expect(result.code).toBe(0);
      expect(result.stdout.length).toBe(1048576);
      expect(result.stderr).toBe('err\n');
    } finally {
      client.end();
    }
  });

  it('stdin of an allowed command reaches it (wc -c reads 5 bytes)', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const result = await new Promise<string>((resolve, reject) => {
        client.exec('wc -c', (error, stream) => {
          if (error) return reject(error);
          let out = '';
          stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
          stream.on('close', () => resolve(out.trim()));
          stream.end('hello');
        });
      });
      expect(result).toBe('5');
    } finally {
      client.end();
    }
  });
});
