import { resolve } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDir } from './canary-dir.ts';
import { connectClient, startProxiedHost, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';
import { ShellSession } from './shell-session.ts';

/**
 * Each bypass class of the shell guardrails, through the real proxy, the real sshd and the
 * example policy library (Host web-1 is production): every line would create its canary file
 * if it ran. A denied line and a line held for approval (then abandoned) must leave no canary.
 * A control line shows that the same path does create a canary when policy allows it.
 */
let h: ProxiedHostFixture;
let canaries: CanaryDir;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-bypass-', { policyDir: resolve(import.meta.dirname, '../../../policy'), subjectGroups: ['web'] });
  canaries = new CanaryDir('gatehouse-bypass-canary-');
});
afterAll(async () => {
  canaries?.remove();
  await h?.close();
});

/** The attack classes; `{C}` is the canary path. */
const CLASSES: Array<[cls: string, line: string]> = [
  ['wrapper: env -S attached', "env -S'touch {C}'"],
  ['wrapper: env -S in a cluster', "env -vS 'touch {C}'"],
  ['wrapper: env cluster with a value', 'env -iu HOME touch {C}'],
  ['wrapper: timeout -vk', 'timeout -vk 1 5 touch {C}'],
  ['wrapper: ionice -tc', 'ionice -tc 3 touch {C}'],
  ['wrapper: time -vo', '\\time -vo /dev/null touch {C}'],
  ['lexer: carriage return before a comment', 'true \r#; touch {C}'],
  ['lexer: vertical tab before a comment', 'true \v#; touch {C}'],
  ['state: printf -v PROMPT_COMMAND', "printf -v PROMPT_COMMAND 'touch {C}'"],
  ['state: PS1 with a substitution', "PS1='$(touch {C})'"],
  ['state: alias', "alias ll='touch {C}'"],
  ['state: history expansion', '!!'],
  ['read-only writes: sort -o', 'sort -o {C} /etc/hostname'],
  ['read-only writes: sort --output=', 'sort --output={C} /etc/hostname'],
  ['read-only writes: uniq output operand', 'uniq /etc/hostname {C}'],
  ['read-only writes: time -o', '\\time -o {C} true'],
  ['read-only writes: >&', 'echo x >& {C}'],
  ['static: ? glob command word', '/usr/bin/touc? {C}'],
  ['static: bracket glob command word', '/usr/bin/tou[c]h {C}'],
  ['static: $"…"', '$"touch" {C}'],
  ['static: coproc body', 'coproc C { touch {C}; }'],
  ['static: trap', "trap 'touch {C}' EXIT"],
  ['static: script -qc', "script -qc 'touch {C}' /dev/null"],
  ['policy: ip netns exec', 'ip netns exec gh touch {C}'],
  ['policy: sort --compress-program', 'sort --compress-program=touch /etc/hostname'],
];

type Outcome = { kind: 'denied' | 'held' | 'ran'; text: string };

/**
 * Runs one exec request. A held command is abandoned as soon as the proxy says it waits, unless
 * `onHeld` is given: then it is called with the approval id and the command's end is awaited.
 */
function execDecided(client: Client, command: string, onHeld?: (approvalId: string) => Promise<void>): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    client.exec(command, (error, stream: ClientChannel) => {
      if (error) return reject(error);
      let text = '';
      let code: number | null = null;
      let done = false;
      let heldSeen = false;
      const finish = (kind: Outcome['kind']) => {
        if (done) return;
        done = true;
        resolvePromise({ kind, text });
      };
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      stream.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const held = /approval id ([0-9a-f-]{36})/.exec(text);
        if (held && onHeld && !heldSeen) {
          heldSeen = true;
          void onHeld(held[1]!);
        } else if (/needs approval/.test(text) && !onHeld) {
          finish('held');
          stream.close();
        }
      });
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => finish(code === 126 ? 'denied' : 'ran'));
    });
  });
}

describe('bypass classes through the proxy with the example policy (production host)', () => {
  it('control: a read-only line runs, and a held write creates its canary once approved (the canary can fail)', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const outcome = await execDecided(client, 'uname -s');
      expect(outcome).toMatchObject({ kind: 'ran' });
      expect(outcome.text).toContain('Linux');
      const canary = canaries.next('control');
      const approved = await execDecided(client, `touch ${canary}`, async (id) => {
        await h.decision.approvals.approve(id, { id: 'reviewer-1', groups: ['reviewers'] }, { comment: 'canary control' });
      });
      expect(approved.kind, approved.text).toBe('ran');
      expect(canaries.exists(canary)).toBe(true);
    } finally {
      client.end();
    }
  });

  describe('exec requests', () => {
    for (const [cls, template] of CLASSES) {
      it(`${cls}: never runs`, async () => {
        const canary = canaries.next(`exec-${cls}`);
        const client = await connectClient(h.proxy.port, h.token);
        try {
          const outcome = await execDecided(client, template.replaceAll('{C}', canary));
          expect(outcome.kind, outcome.text).not.toBe('ran');
          expect(outcome.text).toMatch(/gatehouse: (command denied: .+|this command needs approval \(.+\))/);
        } finally {
          client.end();
        }
        expect(canaries.exists(canary)).toBe(false);
      });
    }
  });

  describe('an interactive pty shell', () => {
    it('no class line creates its canary, and the shell stays usable after each', async () => {
      const client = await connectClient(h.proxy.port, h.token);
      const created: string[] = [];
      try {
        const shell = await ShellSession.open(client);
        await shell.waitFor(/\$ $/);
        for (const [cls, template] of CLASSES) {
          // The proxy's editor takes CR as Enter and drops other control characters; the
          // lexer class is covered by exec above.
          if (/[\r\v]/.test(template)) continue;
          const canary = canaries.next(`pty-${cls}`);
          created.push(canary);
          const mark = shell.output.length;
          shell.type(`${template.replaceAll('{C}', canary)}\r`);
          const out = await shell.waitFor(/command denied: [^\r\n]+\r\n[\s\S]*\$ $|needs approval/, mark);
          if (/needs approval/.test(out)) {
            shell.type('\x03');
            await shell.waitFor(/the command was not run[\s\S]*\$ $/, mark);
          }
          // A harmless line after each: whatever state the line tried to set, nothing runs.
          const after = shell.output.length;
          shell.type('uname -s\r');
          await shell.waitFor(/Linux\r\n[\s\S]*\$ $/, after);
        }
      } finally {
        client.end();
      }
      for (const canary of created) expect(canaries.exists(canary), canary).toBe(false);
    });
  });
});
