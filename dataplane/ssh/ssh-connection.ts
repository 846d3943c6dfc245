import { randomUUID } from 'node:crypto';
import type { AuthContext, Client, ClientInfo, Connection, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { AuditSink } from '../../audit/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import { unenforceableObligations, type DecisionClient } from '../sdk/index.ts';
import { DENIED_STATUS, type ChannelContext, type ChannelHandler, type SshLog } from './channel-context.ts';
import { finishChannel, terminalText } from './channel-io.ts';
import type { CommandGateOptions } from './command-gate.ts';
import { ExecChannel } from './exec-channel.ts';
import { SshSessionRecorder } from './session-recorder.ts';
import { ShellChannel } from './shell-channel.ts';
import { connectUpstream, type UpstreamConfig } from './upstream-connection.ts';

export interface SshProxyOptions {
  resource: Resource;
  upstream: UpstreamConfig;
  decisions: DecisionClient;
  audit: AuditSink;
  /** Default true: a session whose events cannot be written is ended. */
  auditRequired: boolean;
  /** How a waiting user is told to approve; `{id}` is replaced by the approval id. */
  approveHint: string;
  /** What the upstream runs for an interactive shell; it must not echo or edit lines itself. */
  upstreamShell: string;
  /** Environment variable names (or `PREFIX*`) passed upstream from `env` requests; others are refused. */
  envAllowlist: string[];
}

const MAX_AUTH_FAILURES = 3;
const MAX_NOTICES = 16;
/** SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 5.1). */
const ADMINISTRATIVELY_PROHIBITED = 1;
const ONLY_DECIDED_COMMANDS = 'this Gatehouse SSH proxy only runs commands that policy decides (ssh.exec)';

/** The part of ssh2's internal protocol object that sends a channel open failure. */
interface ProtocolWithOpenFail {
  channelOpenFail(remote: number, reason: number, description: string): void;
}
/** A connection that has not logged in by then is closed (ssh2 has no login timeout of its own). */
const LOGIN_TIMEOUT_MS = 30_000;
const MAX_TOKEN_LENGTH = 16_384;

/**
 * One client connection: login with a token (password or keyboard-interactive) decided as
 * `ssh.connect`, one upstream connection with the proxy's own key, and the session channels
 * (exec, shell). Port forwarding, agent and X11 forwarding and subsystems (sftp) are refused.
 * The connection is recorded from login to close; it ends when a required recording fails.
 */
export class SshConnection {
  readonly id = randomUUID();
  private token = '';
  private sshUser = '';
  private failures = 0;
  private connectDecisionId = '';
  private upstreamClient: Promise<Client> | undefined;
  private readonly aborter = new AbortController();
  private readonly recorder: SshSessionRecorder;
  private readonly channels = new Set<ServerChannel>();
  private readonly sessionChannels = new Set<{ channel: ServerChannel; pty: boolean }>();
  /** Refusals waiting for a session channel to be told on. */
  private readonly notices: string[] = [];
  private nextChannel = 0;
  private closed = false;
  private ready = false;

  constructor(
    private readonly client: Connection,
    private readonly info: ClientInfo,
    private readonly o: SshProxyOptions,
    private readonly log: SshLog,
  ) {
    this.recorder = new SshSessionRecorder({
      sink: o.audit,
      sessionId: this.id,
      resource: o.resource,
      required: o.auditRequired,
      onFailure: (error) => this.recordingFailed(error),
    });
    // Interactive traffic is many small packets: Nagle's delay would add ~40 ms per command.
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    client.on('authentication', (ctx) => void this.authenticate(ctx));
    const loginTimer = setTimeout(() => {
      this.log('info', 'ssh login timed out', { sessionId: this.id, client: info.ip });
      client.end();
    }, LOGIN_TIMEOUT_MS);
    loginTimer.unref();
    client.on('ready', () => {
      clearTimeout(loginTimer);
      this.onReady();
    });
    client.on('close', () => clearTimeout(loginTimer));
    client.on('session', (accept) => this.onSession(accept()));
    client.on('tcpip', (_accept, reject, forward) => {
      this.log('info', 'port forwarding refused', { sessionId: this.id, to: `${forward.destIP}:${forward.destPort}` });
      this.refuseChannel(reject, `gatehouse: forwarding to ${forward.destIP}:${forward.destPort} is refused: ${ONLY_DECIDED_COMMANDS}`);
    });
    client.on('openssh.streamlocal', (_accept, reject, info) => {
      this.log('info', 'socket forwarding refused', { sessionId: this.id, to: info.socketPath });
      this.refuseChannel(reject, `gatehouse: forwarding to the socket ${info.socketPath} is refused: ${ONLY_DECIDED_COMMANDS}`);
    });
    client.on('request', (_accept, reject, name, info) => {
      // ssh2 also routes OpenSSH's harmless no-more-sessions@openssh.com here.
      if ((name as string) !== 'no-more-sessions@openssh.com') {
        this.log('info', 'forwarding request refused', { sessionId: this.id, request: name });
        // A global request's failure carries no text: the reason goes to the session's stderr.
        const where = info && 'bindPort' in info ? ` (port ${info.bindPort})` : '';
        this.notify(`gatehouse: remote forwarding${where} is refused: ${ONLY_DECIDED_COMMANDS}`);
      }
      reject?.();
    });
    client.on('error', (error: Error) => this.close(`client connection error: ${error.message}`));
    client.on('close', () => this.close('client disconnected'));
  }

  /**
   * Refuses a channel open with the reason as its failure description (ssh2's own reject sends
   * an empty one, which OpenSSH shows as a bare `connect failed:`).
   */
  private refuseChannel(reject: () => void, reason: string): void {
    const protocol = (this.client as Connection & { _protocol?: ProtocolWithOpenFail })._protocol;
    const original = protocol?.channelOpenFail;
    if (protocol && original) {
      protocol.channelOpenFail = (remote: number, _reason: number, _description: string) => original.call(protocol, remote, ADMINISTRATIVELY_PROHIBITED, reason);
    }
    try {
      reject();
    } finally {
      if (protocol && original) protocol.channelOpenFail = original;
    }
  }

  /** A refusal with no channel of its own: shown on the session channels' stderr, now or when one opens. */
  private notify(message: string): void {
    if (this.sessionChannels.size === 0) {
      if (this.notices.length < MAX_NOTICES) this.notices.push(message);
      return;
    }
    for (const { channel, pty } of this.sessionChannels) this.writeNotice(channel, pty, message);
  }

  private writeNotice(channel: ServerChannel, pty: boolean, message: string): void {
    const text = terminalText(message, pty);
    try {
      if (channel.writable) channel.stderr.write(text);
    } catch {
      // the channel is closing
    }
  }

  private openSessionChannel(channel: ServerChannel, pty: boolean, pending: string[]): void {
    const entry = { channel, pty };
    this.sessionChannels.add(entry);
    channel.on('close', () => this.sessionChannels.delete(entry));
    for (const message of [...this.notices.splice(0), ...pending.splice(0)]) this.writeNotice(channel, pty, message);
  }

  private async authenticate(ctx: AuthContext): Promise<void> {
    if (ctx.method === 'password') return this.decideLogin(ctx, ctx.password);
    if (ctx.method === 'keyboard-interactive') {
      ctx.prompt([{ prompt: 'Password (Gatehouse token): ', echo: false }], 'Gatehouse', (answers) => void this.decideLogin(ctx, answers[0] ?? ''));
      return;
    }
    ctx.reject(['password', 'keyboard-interactive']);
  }

  private async decideLogin(ctx: AuthContext, token: string): Promise<void> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return this.loginFailed(ctx, 'the password must be a Gatehouse token or an OIDC JWT');
    const decision = await this.o.decisions.decide({
      action: 'ssh.connect',
      resource: this.o.resource,
      context: { ssh: { user: ctx.username, method: ctx.method, clientAddress: this.info.ip } },
      token,
      sessionId: this.id,
    });
    if (this.closed) return;
    const unenforceable = unenforceableObligations(decision.obligations, []);
    if (decision.effect !== 'allow' || unenforceable.length > 0) {
      const why = decision.effect !== 'allow' ? decision.reasons.join('; ') || decision.effect : `unenforceable obligations ${unenforceable.join(', ')}`;
      return this.loginFailed(ctx, why);
    }
    this.token = token;
    this.sshUser = ctx.username;
    this.connectDecisionId = decision.decisionId;
    ctx.accept();
  }

  private loginFailed(ctx: AuthContext, why: string): void {
    this.failures++;
    this.log('info', 'ssh login refused', { sessionId: this.id, user: ctx.username, client: this.info.ip, reason: why });
    ctx.reject(['password', 'keyboard-interactive']);
    if (this.failures >= MAX_AUTH_FAILURES) this.client.end();
  }

  private onReady(): void {
    this.ready = true;
    void this.recorder
      .start({ user: this.sshUser, clientAddress: this.info.ip, connectDecisionId: this.connectDecisionId })
      .catch(() => undefined);
    // Connect early so the first command does not wait for the upstream handshake.
    void this.upstream().catch(() => undefined);
  }

  private upstream(): Promise<Client> {
    if (!this.upstreamClient) {
      const connecting = connectUpstream(this.o.upstream);
      this.upstreamClient = connecting;
      connecting.then(
        (client) => {
          const lost = (): void => {
            if (this.upstreamClient === connecting) this.upstreamClient = undefined;
          };
          client.on('close', lost);
          client.on('error', (error: Error) => {
            this.log('warn', 'upstream connection failed', { sessionId: this.id, error: error.message });
            lost();
          });
          if (this.closed) client.end();
        },
        (error: Error) => {
          this.log('warn', 'upstream unavailable', { sessionId: this.id, error: error.message });
          // The next channel tries again.
          if (this.upstreamClient === connecting) this.upstreamClient = undefined;
        },
      );
    }
    return this.upstreamClient;
  }

  private onSession(session: Session): void {
    let pty: PseudoTtyInfo | undefined;
    const env: Record<string, string> = {};
    let handler: ChannelHandler | undefined;
    const context = (): ChannelContext => ({
      channel: this.nextChannel++,
      gate: this.gateOptions(),
      recorder: this.recorder,
      upstream: () => this.upstream(),
      signal: this.aborter.signal,
      pty,
      env,
      log: this.log,
    });
    session.on('pty', (accept, _reject, info) => {
      pty = info;
      accept?.();
    });
    session.on('env', (accept, reject, info) => {
      if (this.envAllowed(info.key)) {
        env[info.key] = info.val;
        accept?.();
      } else reject?.();
    });
    session.on('window-change', (accept, _reject, info) => {
      if (pty) Object.assign(pty, { cols: info.cols, rows: info.rows, width: info.width, height: info.height });
      handler?.resize(info);
      accept?.();
    });
    session.on('signal', (accept, _reject, info) => {
      handler?.signal(info.name);
      accept?.();
    });
    // Refusals of this session's own requests, told on its stderr once it runs something.
    const pending: string[] = [];
    session.on('x11', (_accept, reject) => {
      this.log('info', 'X11 forwarding refused', { sessionId: this.id });
      pending.push(`gatehouse: X11 forwarding is refused: ${ONLY_DECIDED_COMMANDS}`);
      reject?.();
    });
    session.on('auth-agent', (_accept, reject) => {
      this.log('info', 'agent forwarding refused', { sessionId: this.id });
      pending.push(`gatehouse: agent forwarding is refused: the upstream host must not use the client's keys`);
      reject?.();
    });
    session.on('exec', (accept, _reject, info) => {
      const ctx = context();
      const channel = this.track(accept());
      if (pty) this.recorder.pty(ctx.channel, pty);
      this.openSessionChannel(channel, pty !== undefined, pending);
      handler = new ExecChannel(ctx, channel, info.command);
    });
    session.on('shell', (accept) => {
      const ctx = context();
      const channel = this.track(accept());
      if (pty) this.recorder.pty(ctx.channel, pty);
      this.openSessionChannel(channel, pty !== undefined, pending);
      handler = new ShellChannel(ctx, channel, this.o.upstreamShell);
    });
    // A subsystem (sftp, and scp's default SFTP mode) is accepted only to say why it is refused:
    // a request failure carries no text. File transfer works as decided commands (scp -O, rsync).
    const refuseSubsystem = (accept: (() => ServerChannel) | undefined, name: string): void => {
      this.log('info', 'subsystem refused', { sessionId: this.id, subsystem: name });
      if (!accept) return;
      const channel = this.track(accept());
      const text = terminalText(
        `gatehouse: the ${name} subsystem is refused: every command is decided as ssh.exec, and a subsystem has no command line; use scp -O or rsync -e ssh`,
        pty !== undefined,
      );
      this.recorder.output(this.nextChannel++, text, 'stderr');
      for (const message of pending.splice(0)) channel.stderr.write(terminalText(message, pty !== undefined));
      channel.stderr.write(text);
      void finishChannel(channel, { code: DENIED_STATUS });
    };
    session.on('subsystem', (accept, _reject, info) => refuseSubsystem(accept, info.name));
  }

  private track(channel: ServerChannel): ServerChannel {
    this.channels.add(channel);
    channel.on('close', () => this.channels.delete(channel));
    return channel;
  }

  private gateOptions(): CommandGateOptions {
    return {
      decisions: this.o.decisions,
      resource: this.o.resource,
      token: this.token,
      sessionId: this.id,
      sshUser: this.sshUser,
      approveHint: this.o.approveHint,
    };
  }

  private envAllowed(name: string): boolean {
    return this.o.envAllowlist.some((allowed) => (allowed.endsWith('*') ? name.startsWith(allowed.slice(0, -1)) : name === allowed));
  }

  private recordingFailed(error: unknown): void {
    this.log('warn', 'session recording failed; ending the session', { sessionId: this.id, error: error instanceof Error ? error.message : String(error) });
    for (const channel of this.channels) {
      const message = terminalText('gatehouse: this session cannot be recorded (audit is required); it is closed', true);
      try {
        channel.stderr.write(message);
        channel.exit(UPSTREAM_UNAVAILABLE);
        channel.end();
      } catch {
        // already closing
      }
    }
    this.close('recording failed');
    this.client.end();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.aborter.abort();
    const upstream = this.upstreamClient;
    this.upstreamClient = undefined;
    void upstream?.then((client) => client.end()).catch(() => undefined);
    if (this.ready) void this.recorder.end(reason).catch(() => undefined);
  }

  /** Ends the client connection (proxy shutdown). */
  shutdown(): void {
    this.close('proxy shutting down');
    this.client.end();
  }
}

const UPSTREAM_UNAVAILABLE = 255;
