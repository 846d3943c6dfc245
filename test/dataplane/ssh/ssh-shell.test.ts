import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAsciicast } from '../../../dataplane/ssh/asciicast.ts';
import { allSessionsEnded, connectClient, startProxiedHost, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';
import { waitUntil } from '../../support/wait-until.ts';
import { ShellSession } from './shell-session.ts';

let h: ProxiedHostFixture;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-shell-');
});
afterAll(() => h?.close());

const PROMPT = /\$ $/;

/** Waits until the sessions the test closed have recorded their last event. */
async function settle(): Promise<void> {
  await waitUntil('every session end recorded', () => allSessionsEnded(h.proxy.events()));
}

describe('interactive pty shell, decided line by line', () => {
  it('a denied line is not run and the user keeps the shell; the next allowed line runs; exit ends it with status 0', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(PROMPT);
      let mark = shell.output.length;
      shell.type('rm -rf /tmp/gatehouse-victim\r');
      const afterDenied = await shell.waitFor(/command denied: .*recursive rm is not allowed[\s\S]*\$ $/, mark);
      expect(afterDenied.startsWith('rm -rf /tmp/gatehouse-victim\r\n')).toBe(true);
      mark = shell.output.length;
      shell.type('expr 6 + 36\r');
      const afterAllowed = await shell.waitFor(/\r\n42\r\n[\s\S]*\$ $/, mark);
      // Echo is the proxy's alone: the line appears exactly once.
      expect(afterAllowed.split('expr 6 + 36').length - 1).toBe(1);
      shell.type('exit\r');
      expect(await shell.closedWith()).toBe(0);
    } finally {
      client.end();
    }
  });

  it('line editing: backspace, Ctrl-U and Ctrl-C shape the decided line; arrow keys ring the bell and are dropped', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(PROMPT);
      let mark = shell.output.length;
      // "rm -rf /" typed, then erased with Ctrl-U; then "echo aX" with X erased by DEL, an up-arrow in between.
      shell.type('rm -rf /\x15echo aX\x7f\x1b[Ab\r');
      await shell.waitFor(/\r\nab\r\n[\s\S]*\$ $/, mark);
      expect(shell.output.slice(mark)).toContain('\x07');
      mark = shell.output.length;
      shell.type('rm -rf /\x03');
      await shell.waitFor(/\^C\r\n[\s\S]*\$ $/, mark);
      mark = shell.output.length;
      shell.type('echo still-here\r');
      await shell.waitFor(/still-here\r\n[\s\S]*\$ $/, mark);
      const commands = h.proxy.events().filter((e) => e.data.kind === 'command' && e.data.mode === 'shell');
      expect(commands.some((e) => e.data.text === 'echo ab')).toBe(true);
      shell.type('\x04');
      expect(await shell.closedWith()).toBe(0);
    } finally {
      client.end();
    }
  });

  it('a window change reaches the upstream pty (stty size) and is recorded as a resize', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(PROMPT);
      shell.stream.setWindow(50, 132, 0, 0);
      const mark = shell.output.length;
      shell.type('stty size\r');
      await shell.waitFor(/\r\n50 132\r\n[\s\S]*\$ $/, mark);
      shell.type('exit\r');
      await shell.closedWith();
    } finally {
      client.end();
    }
    await settle();
    expect(h.proxy.events().some((e) => e.data.kind === 'resize' && e.data.text === '132x50')).toBe(true);
  });

  it('a pasted line longer than the upstream pty line buffer runs exactly as decided, never truncated by the pty', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(PROMPT);
      const mark = shell.output.length;
      shell.type(`echo ${'x'.repeat(6000)}\r`);
      const out = await shell.waitFor(/\r\n(x+)\r\n[\s\S]*\$ $/, mark);
      const ran = /\r\n(x+)\r\n/.exec(out)![1]!;
      const decided = h.proxy.events().filter((e) => e.data.kind === 'command' && e.data.mode === 'shell' && String(e.data.text).startsWith('echo xxx'));
      expect(decided).toHaveLength(1);
      // Lengths, not the 4 KB strings: a failure message stays readable.
      expect(ran.length).toBe(String(decided[0]!.data.text).length - 'echo '.length);
      expect(ran).toBe('x'.repeat(ran.length));
      shell.type('exit\r');
      await shell.closedWith();
    } finally {
      client.end();
    }
  });

  it('a multi-line construct typed on several lines is refused (it does not parse line by line)', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(PROMPT);
      const mark = shell.output.length;
      shell.type('for i in 1 2; do\r');
      await shell.waitFor(/command denied: .*syntax error[\s\S]*\$ $/, mark);
      shell.type('exit\r');
      await shell.closedWith();
    } finally {
      client.end();
    }
  });

  it('the recording replays to the same terminal output the client saw (asciicast v2)', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    let seen = '';
    try {
      const shell = await ShellSession.open(client, { cols: 120, rows: 40 });
      await shell.waitFor(PROMPT);
      let mark = shell.output.length;
      shell.type('rm -rf /\r');
      await shell.waitFor(/denied[\s\S]*\$ $/, mark);
      mark = shell.output.length;
      shell.type('uname -s\r');
      await shell.waitFor(/Linux\r\n[\s\S]*\$ $/, mark);
      shell.type('exit\r');
      await shell.closedWith();
      seen = shell.output;
    } finally {
      client.end();
    }
    await settle();
    const events = h.proxy.events();
    const start = events.filter((e) => e.data.kind === 'command' && e.data.text === 'uname -s').at(-1);
    const sessionId = start?.data.sessionId;
    const session = events.filter((e) => e.data.sessionId === sessionId);
    const cast = renderAsciicast(session).trimEnd().split('\n');
    const header = JSON.parse(cast[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ version: 2, width: 120, height: 40 });
    const frames = cast.slice(1).map((line) => JSON.parse(line) as [number, string, string]);
    const times = frames.map((f) => f[0]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const replayed = frames.filter((f) => f[1] === 'o').map((f) => f[2]).join('');
    expect(replayed).toBe(seen);
    expect(frames.some((f) => f[1] === 'm' && f[2].startsWith('deny'))).toBe(true);
    const sequences = session.map((e) => e.data.sequence as number);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
  });

  it('the real ssh client with a forced pty (-tt): a denied line, then an allowed one, then exit', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        'sshpass',
        ['-e', 'ssh', '-tt', '-p', String(h.proxy.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
          '-o', 'PubkeyAuthentication=no', 'executor@127.0.0.1'],
        { env: { ...process.env, SSHPASS: h.token }, timeout: 30_000 },
        (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout }),
      );
      child.stdin!.end('rm -rf /\nuname -s\nexit 7\n');
    });
    expect(result.stdout).toContain('gatehouse: command denied');
    expect(result.stdout).toMatch(/Linux\r?\n/);
    expect(result.code).toBe(7);
  });
});
