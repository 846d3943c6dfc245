import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientChannel } from 'ssh2';
import { ShellSession } from './shell-session.ts';
import { connectClient, startProxiedHost, type ProxiedHostFixture } from './ssh-proxy-fixture.ts';

let h: ProxiedHostFixture;
beforeAll(async () => {
  h = await startProxiedHost('gatehouse-ssh-approval-');
});
afterAll(() => h?.close());

const REVIEWER = { id: 'reviewer-1', groups: ['reviewers'] };

/** Runs `command`, calling `onHeld(approvalId)` once the proxy prints the approval message. */
async function execHeld(command: string, onHeld: (approvalId: string) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const client = await connectClient(h.proxy.port, h.token);
  try {
    return await new Promise((resolve, reject) => {
      client.exec(command, (error, stream: ClientChannel) => {
        if (error) return reject(error);
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        let held = false;
        stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        stream.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /approval id ([0-9a-f-]{36})/.exec(stderr);
          if (match && !held) {
            held = true;
            onHeld(match[1]!).catch(reject);
          }
        });
        stream.on('exit', (exitCode: number | null) => (code = exitCode));
        stream.on('close', () => resolve({ code, stdout, stderr }));
      });
    });
  } finally {
    client.end();
  }
}

describe('require_approval: the command is held at the terminal', () => {
  it('`sudo systemctl restart x` is held with the approval id and how to approve; approved → it runs on the host', async () => {
    let approvalId = '';
    const result = await execHeld('sudo systemctl restart x', async (id) => {
      approvalId = id;
      // Nothing of the command may have run while it is held.
      const pending = await h.decision.approvals.get(id);
      expect(pending.status).toBe('pending');
      await h.decision.approvals.approve(id, REVIEWER, { comment: 'ok for the test' });
    });
    expect(result.stderr).toContain(`gatehouse: approval id ${approvalId}; a reviewer approves it with: gatehouse approvals approve ${approvalId}`);
    // Approved: the command ran on the real host (where sudo is missing or refuses); not the proxy's 126.
    expect(result.code).not.toBe(126);
    const command = h.proxy.events().find((e) => e.data.kind === 'command' && e.data.approvalId === approvalId);
    expect(command?.data).toMatchObject({ effect: 'require_approval', outcome: 'run' });
  });

  it('a denied approval refuses the command with exit 126 and says so', async () => {
    const result = await execHeld('sudo systemctl restart y', async (id) => {
      await h.decision.approvals.deny(id, REVIEWER, { comment: 'not now' });
    });
    expect(result.code).toBe(126);
    expect(result.stderr).toMatch(/gatehouse: approval:[0-9a-f-]{36}: denied by reviewer-1 \(not now\); the command was not run/);
  });

  it('in a shell, Ctrl-C while a line waits for approval gives up: the line is not run and the shell stays', async () => {
    const client = await connectClient(h.proxy.port, h.token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(/\$ $/);
      let mark = shell.output.length;
      shell.type('sudo systemctl restart z\r');
      await shell.waitFor(/waiting for the approval/, mark);
      mark = shell.output.length;
      shell.type('\x03');
      await shell.waitFor(/the command was not run[\s\S]*\$ $/, mark);
      mark = shell.output.length;
      shell.type('echo still-here\r');
      await shell.waitFor(/still-here\r\n[\s\S]*\$ $/, mark);
      shell.type('exit\r');
      await shell.closedWith();
    } finally {
      client.end();
    }
  });
});
