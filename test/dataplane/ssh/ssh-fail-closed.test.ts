import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditEventDraft } from '../../../audit/audit-event.ts';
import { AuditUnavailableError, type AuditSink } from '../../../audit/audit-sink.ts';
import { openFileAuditSink } from '../../../audit/file-audit-sink.ts';
import { KnownHosts } from '../../../dataplane/ssh/known-hosts.ts';
import ssh2 from 'ssh2';
import { Registry } from 'prom-client';
import { join } from 'node:path';
import {
  connectClient,
  execOn,
  removeDir,
  startDecisionFixture,
  startProxyFixture,
  tempDir,
  upstreamFixture,
  type DecisionFixture,
} from './ssh-proxy-fixture.ts';
import { ShellSession } from './shell-session.ts';
import { freePort } from '../../support/free-port.ts';

let work: string;
let decision: DecisionFixture;
let token: string;

beforeAll(async () => {
  work = tempDir('gatehouse-ssh-fail-');
  decision = await startDecisionFixture(work);
  token = await decision.token();
});

afterAll(async () => {
  await decision?.close();
  removeDir(work);
});

/**
 * A real file sink that starts refusing appends once `fail` is set, as a full disk or a lost
 * journal would (the proxy sees AuditUnavailableError, exactly what a broken sink throws).
 */
class BreakableSink implements AuditSink {
  fail = false;
  constructor(private readonly inner: AuditSink) {}
  append(draft: AuditEventDraft): Promise<AuditEvent> {
    if (this.fail) return Promise.reject(new AuditUnavailableError('audit file cannot be written: ENOSPC'));
    return this.inner.append(draft);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('fail closed', () => {
  it('decision service stopped: every command is refused with the reason (exit 126), nothing runs', async () => {
    const own = await startDecisionFixture(join(work, 'own-service'));
    const ownToken = await own.token();
    const proxy = await startProxyFixture(work, own.server.address, { decisionTimeoutMs: 4_000 });
    const client = await connectClient(proxy.port, ownToken);
    try {
      expect((await execOn(client, 'echo before')).stdout).toBe('before\n');
      await own.close();
      const result = await execOn(client, 'touch /tmp/gatehouse-should-not-exist && echo ran');
      expect(result.code).toBe(126);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/decision service unavailable.*denied \(fail closed\)/);
    } finally {
      client.end();
      await proxy.close();
    }
  });

  it('upstream host unreachable: a clear message and exit status 255', async () => {
    const upstream = upstreamFixture();
    const port = await freePort();
    const target = { ...upstream.target, port };
    const knownHosts = KnownHosts.parse(`[127.0.0.1]:${port} ${readHostKeyLine(upstream.knownHostsPath)}\n`, 'test');
    const proxy = await startProxyFixture(work, decision.server.address, { upstream: { ...upstream, target }, knownHosts });
    const client = await connectClient(proxy.port, token);
    try {
      const result = await execOn(client, 'uname');
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/^gatehouse: the host behind Gatehouse is unavailable: .*ECONNREFUSED/);
    } finally {
      client.end();
      await proxy.close();
    }
  });

  it('upstream host key differs from known_hosts: refused with HOST KEY MISMATCH and the fingerprint', async () => {
    const upstream = upstreamFixture();
    const other = ssh2.utils.parseKey(ssh2.utils.generateKeyPairSync('ed25519').public);
    if (other instanceof Error) throw other;
    const wrong = KnownHosts.parse(`[127.0.0.1]:${upstream.target.port} ssh-ed25519 ${other.getPublicSSH().toString('base64')}\n`, 'test');
    const proxy = await startProxyFixture(work, decision.server.address, { knownHosts: wrong });
    const client = await connectClient(proxy.port, token);
    try {
      const result = await execOn(client, 'uname');
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/HOST KEY MISMATCH for \[127\.0\.0\.1\]:\d+: it presented SHA256:/);
    } finally {
      client.end();
      await proxy.close();
    }
  });

  it('upstream host missing from known_hosts: refused, never trusted on first use', async () => {
    const proxy = await startProxyFixture(work, decision.server.address, { knownHosts: KnownHosts.parse('[10.9.9.9]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n', 'test') });
    const client = await connectClient(proxy.port, token);
    try {
      const result = await execOn(client, 'uname');
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/never trust/);
    } finally {
      client.end();
      await proxy.close();
    }
  });

  it('recording fails with --audit-required: the exec is not run and the session ends', async () => {
    const sink = new BreakableSink(await openFileAuditSink(join(work, 'breakable.jsonl'), { source: 'test', registry: new Registry() }));
    const proxy = await startProxyFixture(work, decision.server.address, { audit: sink, auditRequired: true });
    const client = await connectClient(proxy.port, token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => undefined);
    const marker = `/tmp/gatehouse-unrecorded-${process.pid}-${Date.now()}`;
    try {
      expect((await execOn(client, 'echo recorded')).stdout).toBe('recorded\n');
      sink.fail = true;
      // The failure ends the session as soon as the proxy next writes an event: either while
      // this exec is being decided (the user is told why) or just before (the channel is refused).
      const result = await execOn(client, `touch ${marker} && echo should-not-run`).catch((error: Error) => ({ code: null, stdout: '', stderr: error.message }));
      expect(result.stdout).toBe('');
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/cannot be recorded|No response from server|Not connected/);
      await closed;
      expect(existsSync(marker), 'the command ran although it could not be recorded').toBe(false);
    } finally {
      rmSync(marker, { force: true });
      client.end();
      await proxy.close();
    }
  });

  it('recording fails with --audit-required: an interactive shell is closed with a message', async () => {
    const sink = new BreakableSink(await openFileAuditSink(join(work, 'breakable-shell.jsonl'), { source: 'test', registry: new Registry() }));
    const proxy = await startProxyFixture(work, decision.server.address, { audit: sink, auditRequired: true });
    const client = await connectClient(proxy.port, token);
    try {
      const shell = await ShellSession.open(client);
      await shell.waitFor(/\$ $/);
      sink.fail = true;
      shell.type('echo after-failure\r');
      await shell.closedWith();
      expect(shell.output).toMatch(/cannot be recorded/);
      expect(shell.output).not.toMatch(/after-failure\r\nafter-failure/);
    } finally {
      client.end();
      await proxy.close();
    }
  });

  it('recording fails with --audit-required=false: the session goes on', async () => {
    const sink = new BreakableSink(await openFileAuditSink(join(work, 'optional.jsonl'), { source: 'test', registry: new Registry() }));
    const proxy = await startProxyFixture(work, decision.server.address, { audit: sink, auditRequired: false });
    const client = await connectClient(proxy.port, token);
    try {
      sink.fail = true;
      expect((await execOn(client, 'echo still-runs')).stdout).toBe('still-runs\n');
    } finally {
      client.end();
      await proxy.close();
    }
  });
});

/** The "keytype base64" part of the first known_hosts line, to pin it under another host name. */
function readHostKeyLine(path: string): string {
  const line = readFileSync(path, 'utf8').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))!;
  return line.trim().split(/\s+/).slice(1, 3).join(' ');
}
