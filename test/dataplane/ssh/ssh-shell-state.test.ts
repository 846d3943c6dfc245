import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDir } from './canary-dir.ts';
import { connectClient, startProxiedHost, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';
import { ShellSession } from './shell-session.ts';

/**
 * The upstream shell's own state, with a permissive test policy (every line that parses runs):
 * whatever one line sets must not make a later decided line run something else. Each case sets
 * the state, then types a harmless line that would create the canary if the state took effect.
 */
let h: ProxiedHostFixture;
let canaries: CanaryDir;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-state-');
  canaries = new CanaryDir('gatehouse-state-canary-');
});
afterAll(async () => {
  canaries?.remove();
  await h?.close();
});

const PROMPT = /\$ $/;

async function withShell(run: (shell: ShellSession) => Promise<void>): Promise<void> {
  const client = await connectClient(h.proxy.port, h.token);
  try {
    const shell = await ShellSession.open(client);
    await shell.waitFor(PROMPT);
    await run(shell);
    shell.type('exit\r');
    await shell.closedWith();
  } finally {
    client.end();
  }
}

/** Types a line and waits for the next prompt; returns the output after the line. */
async function line(shell: ShellSession, text: string): Promise<string> {
  const mark = shell.output.length;
  shell.type(`${text}\r`);
  // The marker proves the line (and the prompt hook after it) finished before the next one.
  const done = `done-${Math.random().toString(36).slice(2)}`;
  shell.type(`echo ${done}\r`);
  const out = await shell.waitFor(new RegExp(`(?<!echo )${done}\\r\\n[\\s\\S]*\\$ $`), mark);
  return out;
}

describe('the upstream shell keeps a known state', () => {
  it('a control line through the same path creates its canary (the canaries can fail)', async () => {
    const control = canaries.next('control');
    await withShell(async (shell) => {
      await line(shell, `touch ${control}`);
    });
    expect(canaries.exists(control)).toBe(true);
  });

  it('printf -v PROMPT_COMMAND cannot install a hook (read-only)', async () => {
    const canary = canaries.next('prompt-command');
    await withShell(async (shell) => {
      const out = await line(shell, `printf -v PROMPT_COMMAND 'touch ${canary}'`);
      expect(out).toMatch(/readonly variable/);
      await line(shell, 'true');
    });
    expect(canaries.exists(canary)).toBe(false);
  });

  it('PS1 and PS0 cannot carry a command substitution (read-only)', async () => {
    const canary = canaries.next('ps1');
    await withShell(async (shell) => {
      expect(await line(shell, `PS1='$(touch ${canary})'`)).toMatch(/readonly variable/);
      expect(await line(shell, `PS0='$(touch ${canary})'`)).toMatch(/readonly variable/);
      await line(shell, 'true');
    });
    expect(canaries.exists(canary)).toBe(false);
  });

  it('an alias defined on one line is not expanded on the next, even after shopt -s expand_aliases', async () => {
    const canary = canaries.next('alias');
    await withShell(async (shell) => {
      await line(shell, `shopt -s expand_aliases; alias gatehousezz='touch ${canary}'`);
      const out = await line(shell, 'gatehousezz');
      expect(out, out).toMatch(/gatehousezz: command not found/);
    });
    expect(canaries.exists(canary)).toBe(false);
  });

  it('history expansion stays off, even after set -H', async () => {
    const canary = canaries.next('history');
    await withShell(async (shell) => {
      await line(shell, 'set -H');
      await line(shell, `echo touch ${canary}`);
      expect(await line(shell, '!!')).toMatch(/!!: command not found/);
      expect(await line(shell, `^echo^touch ${canary}^`)).toMatch(/command not found/);
    });
    expect(canaries.exists(canary)).toBe(false);
  });

  it('stty cannot make a printable character edit the next line (the prompt hook resets the line discipline)', async () => {
    const canary = canaries.next('stty');
    await withShell(async (shell) => {
      await line(shell, 'stty kill @ werase % lnext ^ -echo');
      // With kill=@ the pty would erase "echo x" and the shell would run the touch.
      const out = await line(shell, `echo x@touch ${canary}`);
      expect(out).toContain(`x@touch ${canary}`);
    });
    expect(canaries.exists(canary)).toBe(false);
  });

  it('the shell read no rc file: no aliases or functions of the account', async () => {
    await withShell(async (shell) => {
      const out = await line(shell, 'alias; declare -F | wc -l; shopt expand_aliases; set -o | grep histexpand');
      expect(out).toMatch(/\r\n0\r\n/);
      expect(out).toMatch(/expand_aliases\s+off/);
      expect(out).toMatch(/histexpand\s+off/);
    });
  });
});
