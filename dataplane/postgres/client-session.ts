import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { AuditSink } from '../../audit/index.ts';
import type { JsonObject } from '../../engine/model/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import type { DecisionClient } from '../sdk/index.ts';
import { SessionSettingsChanged, unsafeReadingSetting } from './statement-reading-settings.ts';
import type { ColumnOriginResolver } from './column-masker.ts';
import { SessionRecorder } from './session-recorder.ts';
import { DEFAULT_SESSION_LIMITS, SessionBudget, type SessionLimits } from './session-limits.ts';
import { StatementRunner } from './statement-runner.ts';
import { checkStartupParameters, StartupRefused } from './startup-parameters.ts';
import { UpstreamRelay } from './upstream-relay.ts';
import { connectUpstream, UpstreamError, type UpstreamSession, type UpstreamTarget } from './upstream/upstream-connection.ts';
import { authenticationCleartextPassword, authenticationOk, decodeParameterStatus, errorResponse, readyForQuery, sslAccepted, sslRefused } from './wire/backend-messages.ts';
import { encodeTerminate } from './wire/frontend-encoders.ts';
import { decodeFrontend, decodeStartup, type FrontendMessage } from './wire/frontend-messages.ts';
import { MessageFramer, ProtocolViolation, type TypedMessage } from './wire/message-framer.ts';

export interface PostgresProxyOptions {
  resource: Resource;
  /** Clients arrive on a Unix domain socket: local to this host, as loopback is (set by the listener). */
  unixSocketClients?: boolean;
  /** The only database name clients may ask for at startup. */
  database: string;
  upstream: UpstreamTarget;
  decisions: DecisionClient;
  audit: AuditSink;
  origins: ColumnOriginResolver;
  tls?: SecureContext;
  maxMessageBytes: number;
  /** The other per-session bounds (session-limits.ts); defaults when absent. */
  limits?: Partial<Omit<SessionLimits, 'maxMessageBytes'>>;
  /** Time from connect to a ready session (TLS, startup, token decision, upstream login); default 60 s. */
  loginTimeoutMs?: number;
  /** How to tell a waiting client to approve; `{id}` is replaced by the approval id. */
  approveHint: string;
}

/** Shared across sessions: maps upstream backend keys to live sessions for CancelRequest. */
export interface CancelRegistry {
  register(processId: number, secretKey: number, target: UpstreamTarget): () => void;
  cancel(processId: number, secretKey: number): void;
}

export type SessionLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/**
 * One client connection: startup (TLS, parameters), authentication by a `db.connect`
 * decision on the presented token, the upstream session with the proxy's own credentials,
 * then every statement decided by StatementRunner. Any failure ends this session only.
 */
export class PostgresSession {
  readonly id = randomUUID();
  private socket: Socket;
  private readonly framer: MessageFramer;
  private upstream: UpstreamSession | undefined;
  private relay: UpstreamRelay | undefined;
  private runner: StatementRunner | undefined;
  private token = '';
  private queue: Promise<void> = Promise.resolve();
  private phase: 'startup' | 'password' | 'ready' | 'closed' = 'startup';
  private startupParameters: Record<string, string> = {};
  private sslNegotiated = false;
  private readonly recorder: SessionRecorder;
  private unregisterCancel: (() => void) | undefined;
  private readonly budget: SessionBudget;
  /** Client bytes read but not yet handled: past QUEUE_HIGH_WATER the socket stops being read. */
  private queuedBytes = 0;
  private readPaused = false;
  private discardedBytes = 0;
  private readonly loginTimer: NodeJS.Timeout;

  constructor(
    socket: Socket,
    private readonly options: PostgresProxyOptions,
    private readonly cancels: CancelRegistry,
    private readonly log: SessionLog,
  ) {
    this.socket = socket;
    this.framer = new MessageFramer(options.maxMessageBytes);
    this.budget = new SessionBudget({ ...DEFAULT_SESSION_LIMITS, ...options.limits, maxMessageBytes: options.maxMessageBytes });
    this.recorder = new SessionRecorder(options.audit, this.id, options.resource);
    this.attach(socket);
    // A client that connects and never finishes logging in must not hold a session slot.
    this.loginTimer = setTimeout(() => {
      if (this.phase !== 'ready') this.fatal(new StartupRefused('gatehouse: canceling authentication due to timeout', '57014'));
    }, options.loginTimeoutMs ?? 60_000);
    this.loginTimer.unref();
  }

  /** Read through a getter: the phase changes across awaits, which narrowing cannot see. */
  private get closed(): boolean {
    return this.phase === 'closed';
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('client connection error'));
    socket.on('close', () => this.close('client disconnected'));
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') {
      // A client that keeps sending after its FATAL is cut off instead of read forever.
      this.discardedBytes += chunk.length;
      if (this.discardedBytes > DISCARD_LIMIT) this.socket.destroy();
      return;
    }
    this.framer.push(chunk);
    try {
      while (this.phase === 'startup') {
        const packet = this.framer.nextStartup();
        if (!packet) return;
        this.onStartup(packet);
        if (this.socket !== undefined && this.phase === 'startup' && this.sslNegotiated) return;
      }
      for (let message = this.framer.next(); message; message = this.framer.next()) {
        if (this.closed) return;
        const decoded = decodeFrontend(message);
        // COPY FROM STDIN data flows while the statement that started it is still running,
        // so it cannot wait in the queue behind that statement.
        if (this.runner?.copyIn) {
          this.runner.onCopyIn(decoded);
          continue;
        }
        this.budget.admit(decoded, message.raw.length);
        const bytes = message.raw.length;
        this.queuedBytes += bytes;
        this.queue = this.queue
          .then(() => this.onMessage(decoded))
          .catch((error: unknown) => this.fatal(error))
          .finally(() => this.dequeued(bytes));
      }
      // Stop reading while the decisions or the upstream are behind: what waits stays bounded.
      if (this.queuedBytes > QUEUE_HIGH_WATER && !this.readPaused) {
        this.readPaused = true;
        this.socket.pause();
      }
    } catch (error) {
      this.fatal(error);
    }
  }

  private dequeued(bytes: number): void {
    this.queuedBytes -= bytes;
    if (this.readPaused && this.queuedBytes <= QUEUE_LOW_WATER && !this.closed) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private onStartup(body: Buffer): void {
    const packet = decodeStartup(body);
    if (packet.kind === 'cancel') {
      this.cancels.cancel(packet.processId, packet.secretKey);
      this.phase = 'closed';
      this.socket.destroy();
      return;
    }
    if (packet.kind === 'gssenc') {
      this.socket.write(sslRefused()); // 'N': the client falls back (or gives up) on its own.
      return;
    }
    if (packet.kind === 'ssl') {
      if (this.sslNegotiated) throw new ProtocolViolation('a second SSLRequest');
      this.sslNegotiated = true;
      if (!this.options.tls) {
        this.socket.write(sslRefused());
        return;
      }
      // Bytes sent after SSLRequest before the handshake would be unencrypted injection (CVE-2021-23214).
      if (this.framer.bufferedBytes > 0) throw new ProtocolViolation('data received after SSLRequest before the TLS handshake');
      this.socket.write(sslAccepted());
      this.socket.removeAllListeners('data');
      this.socket.removeAllListeners('close');
      this.socket.removeAllListeners('error');
      const secure = new TLSSocket(this.socket, { isServer: true, secureContext: this.options.tls });
      this.socket = secure;
      this.attach(secure);
      return;
    }
    if (!(this.socket instanceof TLSSocket) && this.options.unixSocketClients !== true && !isLoopback(this.socket.remoteAddress)) {
      throw new StartupRefused('TLS is required: the password carries a token; connect with sslmode=require', '28000');
    }
    this.startupParameters = checkStartupParameters(packet.parameters, this.options.database);
    this.phase = 'password';
    this.socket.write(authenticationCleartextPassword());
  }

  private async onMessage(message: FrontendMessage): Promise<void> {
    if (this.phase === 'closed') return;
    if (this.phase === 'password') return this.onPassword(message);
    if (message.type === 'Terminate') return this.close('client terminated');
    await this.runner?.onMessage(message);
  }

  private async onPassword(message: FrontendMessage): Promise<void> {
    if (message.type !== 'PasswordMessage') throw new ProtocolViolation('expected a password message');
    const end = message.data.indexOf(0);
    this.token = message.data.toString('utf8', 0, end < 0 ? message.data.length : end);
    if (this.token.length === 0 || this.token.length > 16_384) {
      return this.refuseConnection('28P01', 'the password must be a Gatehouse token or an OIDC JWT');
    }
    const context: JsonObject = {
      database: this.options.database,
      application: this.startupParameters.application_name ?? '',
      clientAddress: this.socket.remoteAddress ?? '',
      tls: this.socket instanceof TLSSocket,
    };
    const decision = await this.options.decisions.decide({
      action: 'db.connect',
      resource: this.options.resource,
      context,
      token: this.token,
      sessionId: this.id,
    });
    if (this.closed) return;
    if (decision.effect !== 'allow') {
      const why = decision.reasons.length > 0 ? decision.reasons.join('; ') : 'no reason given';
      return this.refuseConnection('28000', `connection denied: ${why}`);
    }
    let upstream: UpstreamSession;
    try {
      upstream = await connectUpstream(this.options.upstream, this.startupParameters);
    } catch (error) {
      const upstreamError = error instanceof UpstreamError ? error : new UpstreamError(String(error));
      this.log('warn', 'upstream connection failed', { sessionId: this.id, error: upstreamError.message });
      return this.refuseConnection('08006', 'the database behind Gatehouse is unavailable');
    }
    if (this.closed) {
      upstream.socket.destroy();
      return;
    }
    // A database or role default can change how statements are read too (see statement-reading-settings.ts).
    const reported = upstream.parameterStatus.map((raw) => decodeParameterStatus(raw.subarray(5)));
    const unsafe = reported.map((p) => unsafeReadingSetting(p.name, p.value)).find((reason) => reason !== undefined);
    const conforming = reported.find((p) => p.name === 'standard_conforming_strings');
    if (unsafe || !conforming) {
      upstream.socket.destroy();
      const why = unsafe ?? 'standard_conforming_strings was not reported';
      return this.refuseConnection('42501', `the database session's ${why} is not allowed through Gatehouse`);
    }
    this.upstream = upstream;
    const relay = new UpstreamRelay(this.socket, this.options.origins, {
      fatal: (error) => this.fatal(error),
      copyIn: () => this.runner?.startCopyIn(),
      simpleQueryDone: () => this.runner?.objects.clearUnnamed(),
    });
    this.relay = relay;
    this.runner = new StatementRunner({
      client: this.socket,
      upstream: upstream.socket,
      relay,
      decisions: this.options.decisions,
      resource: this.options.resource,
      token: this.token,
      sessionId: this.id,
      recorder: this.recorder,
      approveHint: this.options.approveHint,
      recordingFailed: () => this.fatal(new Error('the session cannot be recorded')),
      catalog: this.options.origins,
    });
    this.unregisterCancel = this.cancels.register(upstream.processId, upstream.secretKey, this.options.upstream);
    // A client that does not read its results stops the upstream being read, not the proxy's memory.
    const client = this.socket;
    client.on('drain', () => upstream.socket.resume());
    upstream.socket.on('data', (chunk: Buffer) => {
      if (client.writableLength > CLIENT_HIGH_WATER) upstream.socket.pause();
      upstream.framer.push(chunk);
      const messages: TypedMessage[] = [];
      try {
        for (let m = upstream.framer.next(); m; m = upstream.framer.next()) messages.push(m);
      } catch (error) {
        this.fatal(error);
        return;
      }
      if (messages.length > 0) relay.receive(messages);
    });
    upstream.socket.on('error', () => this.upstreamLost());
    upstream.socket.on('close', () => this.upstreamLost());
    // Bytes the upstream sent after its first ReadyForQuery (normally none) are relayed too.
    const early: TypedMessage[] = [];
    for (let m = upstream.framer.next(); m; m = upstream.framer.next()) early.push(m);
    this.phase = 'ready';
    clearTimeout(this.loginTimer);
    const out = [authenticationOk(), ...upstream.parameterStatus];
    if (upstream.backendKeyData) out.push(upstream.backendKeyData);
    out.push(readyForQuery('I'));
    this.socket.write(Buffer.concat(out));
    if (early.length > 0) relay.receive(early);
    try {
      await this.recorder.start({
        database: this.options.database,
        application: this.startupParameters.application_name ?? '',
        clientAddress: this.socket.remoteAddress ?? '',
        connectDecisionId: decision.decisionId,
      });
    } catch {
      this.fatal(new Error('the session cannot be recorded'));
    }
  }

  private refuseConnection(code: string, message: string): void {
    if (!this.socket.destroyed) this.socket.end(errorResponse({ severity: 'FATAL', code, message }));
    this.close('refused at startup');
  }

  private upstreamLost(): void {
    if (this.phase === 'closed') return;
    this.log('warn', 'upstream connection lost', { sessionId: this.id });
    if (!this.socket.destroyed) {
      this.socket.end(errorResponse({ severity: 'FATAL', code: '57P01', message: 'the database connection behind Gatehouse was lost; reconnect' }));
    }
    this.close('upstream lost');
  }

  private fatal(error: unknown): void {
    if (this.phase === 'closed') return;
    const known = error instanceof ProtocolViolation || error instanceof StartupRefused || error instanceof SessionSettingsChanged;
    const code = known ? error.sqlState : 'XX000';
    const message = known ? error.message : `gatehouse proxy: ${error instanceof Error ? error.message : 'internal error'}`;
    // A client's own mistake is routine (info); anything else is worth a warning.
    this.log(known ? 'info' : 'warn', 'session failed', { sessionId: this.id, error: error instanceof Error ? error.message : String(error) });
    if (!this.socket.destroyed) this.socket.end(errorResponse({ severity: 'FATAL', code, message }));
    this.close(message);
  }

  /** The proxy is stopping: tell the client why, then close. */
  shutdown(): void {
    if (!this.closed && !this.socket.destroyed) {
      this.socket.write(errorResponse({ severity: 'FATAL', code: '57P01', message: 'the Gatehouse proxy is shutting down' }));
    }
    this.close('proxy shutting down');
  }

  close(reason: string): void {
    if (this.phase === 'closed') return;
    const wasReady = this.phase === 'ready';
    this.phase = 'closed';
    clearTimeout(this.loginTimer);
    const upstream = this.upstream;
    this.upstream = undefined;
    // A client gone mid-statement must not leave that statement running upstream. A cancel stops
    // a backend that is computing; one blocked writing its result to us ignores cancels until the
    // write completes, so its connection is reset as well (closing with unread bytes sends RST).
    const midStatement = upstream !== undefined && this.relay !== undefined && !this.relay.idle;
    if (upstream && midStatement) this.cancels.cancel(upstream.processId, upstream.secretKey);
    this.unregisterCancel?.();
    this.unregisterCancel = undefined;
    this.runner?.close();
    if (upstream && !upstream.socket.destroyed) {
      if (midStatement) upstream.socket.destroy();
      else upstream.socket.end(encodeTerminate());
    }
    if (!this.socket.destroyed) {
      this.socket.end();
      // A client that neither closes nor stops sending is cut off after the linger.
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    }
    // Read again (and discard, see onData) so the connection ends instead of lingering paused.
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
    if (wasReady) void this.recorder.end(reason).catch(() => undefined);
  }
}

/** Client bytes waiting to be handled before reading pauses, and the level at which it resumes. */
const QUEUE_HIGH_WATER = 1024 * 1024;
const QUEUE_LOW_WATER = 256 * 1024;
/** Result bytes waiting for a slow client before the upstream stops being read. */
const CLIENT_HIGH_WATER = 1024 * 1024;
/**
 * After a session closes, the client's further bytes are read and dropped for a while before the
 * connection is reset: resetting a connection with unread bytes makes the client's kernel throw
 * away the FATAL it has not read yet, so a client still sending would never learn why it was cut
 * off. Bounded in bytes and in time so a client cannot keep a closed session's connection open.
 */
const DISCARD_LIMIT = 64 * 1024 * 1024;
const LINGER_MS = 2000;

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
