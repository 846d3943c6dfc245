import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { AuditEvent } from '../../../audit/audit-event.ts';
import type { AuditSink } from '../../../audit/audit-sink.ts';
import { openFileAuditSink } from '../../../audit/file-audit-sink.ts';
import type { ApprovalManager } from '../../../engine/control/approvals/approval-manager.ts';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { ActiveBundle } from '../../../engine/decision/active-bundle.ts';
import { bundleFileSource } from '../../../engine/decision/bundle-source.ts';
import { startDecisionServer, type RunningDecisionServer } from '../../../engine/server/decision-server.ts';
import { ServiceMetrics } from '../../../engine/server/service-metrics.ts';
import { MemoryStateStore } from '../../../engine/control/state/memory-state-store.ts';
import type { TokenAuthority } from '../../../engine/control/tokens/token-authority.ts';
import { openTokenSubsystem } from '../../../engine/control/tokens/token-subsystem.ts';
import { registerTokenAndApprovalServices } from '../../../engine/server/token-approval-services.ts';
import { GrpcDecisionClient } from '../../../dataplane/sdk/grpc-decision-client.ts';
import { KnownHosts } from '../../../dataplane/ssh/known-hosts.ts';
import { startSshProxy, type RunningSshProxy } from '../../../dataplane/ssh/ssh-proxy.ts';
import { DEFAULT_UPSTREAM_SHELL } from '../../../dataplane/ssh/upstream-shell.ts';
import { parseUpstreamUrl, type UpstreamTarget } from '../../../dataplane/ssh/upstream-connection.ts';
import { serviceEnv } from '../../support/services.ts';

/**
 * The SSH test policy (Rego only): login allowed; a command line is denied when any command
 * it would run is `rm` with a recursive flag, is only known at run time (dynamic), or is a
 * bare shell reading stdin; `sudo` waits for approval; anything else that parses is allowed.
 */
export const SSH_TEST_POLICY: Record<string, string> = {
  'gatehouse.yaml': 'name: ssh-proxy-test\nengines: [rego]\n',
  'policy.rego': `package gatehouse

import rego.v1

command := object.get(input.context, "command", {})

commands := object.get(command, "commands", [])

denials contains "the command line does not parse" if is_string(command.parseError)

denials contains concat(" ", ["recursive rm is not allowed:", concat(" ", c.argv)]) if {
	some c in commands
	c.name == "rm"
	some arg in c.argv
	regex.match("^-[A-Za-z]*[rR]", arg)
}

denials contains concat("", ["'", concat(" ", c.argv), "' is only known at run time"]) if {
	some c in commands
	c.dynamic == true
}

denials contains "a bare shell would run unreviewed input" if {
	some c in commands
	c.name in {"bash", "sh"}
	count(c.argv) == 1
}

decision := {"effect": "allow", "reasons": ["ssh login"], "obligations": {}} if {
	input.action == "ssh.connect"
} else := {"effect": "allow", "reasons": ["reviewers review"], "obligations": {}} if {
	input.action == "approval.review"
	"reviewers" in input.subject.groups
} else := {"effect": "deny", "reasons": sort([r | some r in denials]), "obligations": {}} if {
	input.action == "ssh.exec"
	count(denials) > 0
} else := {"effect": "require_approval", "reasons": ["sudo needs a reviewer"], "obligations": {}} if {
	input.action == "ssh.exec"
	some c in commands
	c.name == "sudo"
} else := {"effect": "allow", "reasons": ["command allowed"], "obligations": {}} if {
	input.action == "ssh.exec"
	count(commands) > 0
}
`,
};

export interface DecisionFixture {
  server: RunningDecisionServer;
  authority: TokenAuthority;
  approvals: ApprovalManager;
  /** A scoped token for ssh.connect + ssh.exec on Host:web-1, executor agent-7. */
  token(options?: { ttlSeconds?: number; resourceId?: string }): Promise<string>;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  mkdirSync(join(tmpdir()), { recursive: true });
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real decision service on a free port with the test policy, scoped tokens and approvals. */
export async function startDecisionFixture(
  workDir: string,
  options: { listen?: string; /** A policy directory instead of SSH_TEST_POLICY (e.g. the example library). */ policyDir?: string; subjectGroups?: string[] } = {},
): Promise<DecisionFixture> {
  let policyDir = options.policyDir;
  if (!policyDir) {
    policyDir = join(workDir, 'policy');
    for (const [name, text] of Object.entries(SSH_TEST_POLICY)) {
      mkdirSync(dirname(join(policyDir, name)), { recursive: true });
      writeFileSync(join(policyDir, name), text);
    }
  }
  const bundlePath = join(workDir, 'bundle.tar.gz');
  await buildBundle(policyDir, bundlePath);
  const metrics = new ServiceMetrics({ defaultMetrics: false });
  const auditSink = await openFileAuditSink(join(workDir, 'decisions.jsonl'), { source: 'gatehouse://test/serve', registry: new Registry() });
  const active = new ActiveBundle();
  // The same wiring `gatehouse serve` uses: scoped tokens, approvals and their gRPC services.
  const tokens = await openTokenSubsystem({
    store: new MemoryStateStore(),
    auditSink,
    decide: async (input) => {
      const bundle = active.current();
      if (!bundle) return { effect: 'deny', reasons: ['no bundle'], obligations: {}, engines: [] };
      return bundle.evaluate(input);
    },
  });
  const { authority, approvals } = tokens;
  const server = await startDecisionServer({
    bundleSource: bundleFileSource(bundlePath),
    auditSink,
    listen: options.listen ?? '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    metrics,
    tokenGate: tokens.tokenGate,
    approvalGate: tokens.approvalGate,
    extraServices: (registrar) => registerTokenAndApprovalServices(tokens, registrar),
    active,
  });
  return {
    server,
    authority,
    approvals,
    async token(tokenOptions = {}) {
      const issued = await authority.issuer.issue({
        subject: { id: 'planner-1', groups: options.subjectGroups ?? ['ops'] },
        actions: ['ssh.connect', 'ssh.exec'],
        resource: { type: 'Host', id: tokenOptions.resourceId ?? 'web-1' },
        ttlSeconds: tokenOptions.ttlSeconds ?? 600,
        executor: 'agent-7',
        now: new Date(),
      });
      return issued.token;
    },
    async close() {
      await server.close();
      tokens.close();
    },
  };
}

export interface UpstreamFixture {
  target: UpstreamTarget;
  key: Buffer;
  keyPath: string;
  knownHostsPath: string;
  knownHosts: KnownHosts;
}

/** The real Debian sshd from `scripts/services up sshd`. */
export function upstreamFixture(): UpstreamFixture {
  const target = parseUpstreamUrl(serviceEnv('GATEHOUSE_SSH_TARGET'));
  const keyPath = serviceEnv('GATEHOUSE_SSH_KEY');
  const knownHostsPath = serviceEnv('GATEHOUSE_SSH_KNOWN_HOSTS');
  return {
    target,
    key: readFileSync(keyPath),
    keyPath,
    knownHostsPath,
    knownHosts: KnownHosts.parse(readFileSync(knownHostsPath, 'utf8'), knownHostsPath),
  };
}

export interface ProxyFixture {
  proxy: RunningSshProxy;
  port: number;
  auditPath: string;
  decisions: GrpcDecisionClient;
  audit: AuditSink;
  /** The recorded events, read back from the audit file. */
  events(): AuditEvent[];
  close(): Promise<void>;
}

/** True once every recorded session that started has recorded its end (its last event). */
export function allSessionsEnded(events: AuditEvent[]): boolean {
  const started = events.filter((e) => e.data.kind === 'start').map((e) => e.data.sessionId);
  const ended = new Set(events.filter((e) => e.data.kind === 'end').map((e) => e.data.sessionId));
  return started.length > 0 && started.every((id) => ended.has(id));
}

export async function startProxyFixture(
  workDir: string,
  decisionAddress: string,
  options: { audit?: AuditSink; auditRequired?: boolean; upstream?: UpstreamFixture; knownHosts?: KnownHosts; decisionTimeoutMs?: number } = {},
): Promise<ProxyFixture> {
  const upstream = options.upstream ?? upstreamFixture();
  const auditPath = join(workDir, `proxy-audit-${Math.random().toString(36).slice(2)}.jsonl`);
  const audit = options.audit ?? (await openFileAuditSink(auditPath, { source: 'gatehouse://test/proxy-ssh', registry: new Registry() }));
  const decisions = new GrpcDecisionClient({ address: decisionAddress, deadlineMs: options.decisionTimeoutMs ?? 5_000 });
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  const proxy = await startSshProxy(
    {
      listen: { host: '127.0.0.1', port: 0 },
      hostKey: Buffer.from(hostKey),
      resource: { type: 'Host', id: 'web-1', attributes: { env: 'test' } },
      upstream: { target: upstream.target, privateKey: upstream.key, knownHosts: options.knownHosts ?? upstream.knownHosts },
      decisions,
      audit,
      auditRequired: options.auditRequired ?? true,
      approveHint: 'gatehouse approvals approve {id}',
      upstreamShell: DEFAULT_UPSTREAM_SHELL,
      envAllowlist: ['LANG', 'LC_*'],
    },
    () => undefined,
  );
  return {
    proxy,
    port: proxy.address.port,
    auditPath,
    decisions,
    audit,
    events: () =>
      readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as AuditEvent),
    async close() {
      await proxy.close();
      decisions.close();
      await audit.close().catch(() => undefined);
    },
  };
}

/** A decision service, a proxy in front of the real sshd, and a token for it: one per test file. */
export interface ProxiedHostFixture {
  work: string;
  decision: DecisionFixture;
  proxy: ProxyFixture;
  /** A scoped token for ssh.connect + ssh.exec on Host:web-1 (see DecisionFixture.token). */
  token: string;
  close(): Promise<void>;
}

/** Starts the decision service and the proxy in a new temporary directory named by `prefix`. */
export async function startProxiedHost(prefix: string, options: { policyDir?: string; subjectGroups?: string[] } = {}): Promise<ProxiedHostFixture> {
  const work = tempDir(prefix);
  let decision: DecisionFixture | undefined;
  let proxy: ProxyFixture | undefined;
  const close = async () => {
    await proxy?.close();
    await decision?.close();
    removeDir(work);
  };
  try {
    decision = await startDecisionFixture(work, options);
    proxy = await startProxyFixture(work, decision.server.address);
    return { work, decision, proxy, token: await decision.token(), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The real OpenSSH client, the token given as password through sshpass (SSHPASS env). `extra`
 * options come first: ssh keeps the first value of an option, so they override the defaults.
 */
export function sshCommand(port: number, token: string, command: string[], extra: string[] = []): Promise<CommandResult> {
  const args = [
    '-e',
    'ssh',
    ...extra,
    '-p',
    String(port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'PreferredAuthentications=password,keyboard-interactive',
    '-o',
    'PubkeyAuthentication=no',
    '-o',
    'NumberOfPasswordPrompts=1',
    'executor@127.0.0.1',
    ...command,
  ];
  return new Promise((resolve) => {
    execFile('sshpass', args, { env: { ...process.env, SSHPASS: token }, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** An ssh2 client logged in to the proxy with a token. */
export function connectClient(port: number, token: string, extra: Partial<ConnectConfig> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'executor', password: token, readyTimeout: 15_000, ...extra });
  });
}

/** Runs one command on an ssh2 client and collects its output and exit status. */
export function execOn(client: Client, command: string): Promise<CommandResult & { signal?: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream: ClientChannel) => {
      if (error) return reject(error);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      stream.on('exit', (exitCode: number | null, exitSignal?: string) => {
        code = exitCode;
        signal = exitSignal;
      });
      stream.on('close', () => resolve({ code, stdout, stderr, signal }));
    });
  });
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
