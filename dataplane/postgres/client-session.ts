import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { AuditSink } from '../../audit/audit-sink.ts';
import type { JsonObject } from '../../engine/model/json.ts';
import type { Resource } from '../../engine/model/request.ts';
import { unenforceableObligations, type DataPlaneDecision, type DecisionClient } from '../sdk/data-plane-decision.ts';
import type { ColumnOriginResolver } from './column-masker.ts';
import { SessionRecorder } from './session-recorder.ts';
import { checkStartupParameters, StartupRefused } from './startup-parameters.ts';
import { UpstreamRelay, type StatementRun } from './upstream-relay.ts';
import { connectUpstream, UpstreamError, type UpstreamSession, type UpstreamTarget } from './upstream/upstream-connection.ts';
import {
  authenticationCleartextPassword,
  authenticationOk,
  errorResponse,
  noticeResponse,
  readyForQuery,
  sslAccepted,
  sslRefused,
  typed,
} from './wire/backend-messages.ts';
import { decodeFrontend, decodeStartup, type BindMessage, type FrontendMessage } from './wire/frontend-messages.ts';
import { MessageFramer, ProtocolViolation } from './wire/message-framer.ts';

export interface PostgresProxyOptions {
  resource: Resource;
  /** The only database name clients may ask for at startup. */
  database: string;
  upstream: UpstreamTarget;
  decisions: DecisionClient;
  audit: AuditSink;
  origins: ColumnOriginResolver;
  tls?: SecureContext;
  maxMessageBytes: number;
  /** How to tell a waiting client to approve; printed in the approval notice. */
  approveHint: string;
}

/** Shared across sessions: maps upstream backend keys to live sessions for CancelRequest. */
export interface CancelRegistry {
  register(processId: number, secretKey: number, target: UpstreamTarget): () => void;
  cancel(processId: number, secretKey: number): void;
}

const ENFORCEABLE = ['mask'] as const;
const POLICY_DENIED = '42501';

type StatementVerdict = { allowed: DataPlaneDecision; denial?: undefined } | { allowed?: undefined; denial: string };

interface PreparedStatement {
  sql: string;
}

interface Portal {
  statement: string;
  bind: BindMessage;
}

/** One client connection: startup, authentication by decision, then every statement decided. */
export class PostgresSession {
  readonly id = randomUUID();
  private socket: Socket;
  private framer: MessageFramer;
  private upstream: UpstreamSession | undefined;
  private relay: UpstreamRelay | undefined;
  private token = '';
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  private batch: FrontendMessage[] = [];
  private queue: Promise<void> = Promise.resolve();
  private phase: 'startup' | 'password' | 'ready' | 'closed' = 'startup';
  private startupParameters: Record<string, string> = {};
  private copyIn = false;
  private readonly recorder: SessionRecorder;
  private unregisterCancel: (() => void) | undefined;

  constructor(
    socket: Socket,
    private readonly options: PostgresProxyOptions,
    private readonly cancels: CancelRegistry,
    private readonly log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void,
  ) {
    this.socket = socket;
    this.framer = new MessageFramer(options.maxMessageBytes);
    this.recorder = new SessionRecorder(options.audit, this.id, options.resource);
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('client connection error'));
    socket.on('close', () => this.close('client disconnected'));
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.framer.push(chunk);
    try {
      if (this.phase === 'startup') {
        const packet = this.framer.nextStartup();
        if (packet) this.onStartup(packet);
        return;
      }
      for (let message = this.framer.next(); message; message = this.framer.next()) {
        const decoded = decodeFrontend(message);
        // COPY FROM STDIN data flows while the statement that started it is still running,
        // so it cannot wait in the queue behind that statement.
        if (this.copyIn) {
          this.onCopyIn(decoded);
          continue;
        }
        this.queue = this.queue.then(() => this.onMessage(decoded)).catch((error: unknown) => this.fatal(error));
      }
    } catch (error) {
      this.fatal(error);
    }
  }

  private onStartup(body: Buffer): void {
    const packet = decodeStartup(body);
    if (packet.kind === 'cancel') {
      this.cancels.cancel(packet.processId, packet.secretKey);
      this.socket.destroy();
      this.phase = 'closed';
      return;
    }
    if (packet.kind === 'gssenc') {
      this.socket.write(sslRefused()); // 'N': the client falls back (or gives up) on its own.
      return;
    }
    if (packet.kind === 'ssl') {
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
    if (!(this.socket instanceof TLSSocket) && !isLoopback(this.socket.remoteAddress)) {
      throw new StartupRefused('TLS is required: the password carries a token; connect with sslmode=require', '28000');
    }
    this.startupParameters = checkStartupParameters(packet.parameters, this.options.database);
    this.phase = 'password';
    this.socket.write(authenticationCleartextPassword());
  }

  private async onMessage(message: FrontendMessage): Promise<void> {
    if (this.phase === 'closed') return;
    if (this.phase === 'password') return this.onPassword(message);
    switch (message.type) {
      case 'Query':
        await this.flushBatch(false);
        return this.runQuery(message.sql);
      case 'Parse':
      case 'Bind':
      case 'Describe':
      case 'Execute':
      case 'Close':
        this.batch.push(message);
        return;
      case 'Sync':
        return this.flushBatch(true);
      case 'Flush':
        return this.flushBatch(false, true);
      case 'Terminate':
        return this.close('client terminated');
      case 'FunctionCall':
        return this.refuseOutOfBand('the fast-path function call protocol is not allowed through Gatehouse');
      default:
        return this.refuseOutOfBand(`unexpected ${message.type} message outside COPY`);
    }
  }

  private async onPassword(message: FrontendMessage): Promise<void> {
    if (message.type !== 'PasswordMessage') throw new ProtocolViolation('expected a password message');
    const end = message.data.indexOf(0);
    this.token = message.data.toString('utf8', 0, end < 0 ? message.data.length : end);
    if (this.token.length === 0 || this.token.length > 16_384) {
      return this.refuseConnection('28P01', 'the password must be a Gatehouse token or an OIDC JWT');
    }
    const decision = await this.decide('db.connect', {});
    if (decision.effect !== 'allow') {
      return this.refuseConnection('28000', `connection denied: ${describe(decision)}`);
    }
    try {
      this.upstream = await connectUpstream(this.options.upstream, this.startupParameters);
    } catch (error) {
      const upstreamError = error instanceof UpstreamError ? error : new UpstreamError(String(error));
      this.log('warn', 'upstream connection failed', { sessionId: this.id, error: upstreamError.message });
      return this.refuseConnection(upstreamError.sqlState, 'the database behind Gatehouse is unavailable');
    }
    const upstream = this.upstream;
    this.relay = new UpstreamRelay(this.socket, this.options.origins, {
      fatal: (error) => this.fatal(error),
      copyIn: () => {
        this.copyIn = true;
      },
    });
    this.unregisterCancel = this.cancels.register(upstream.processId, upstream.secretKey, this.options.upstream);
    upstream.socket.on('data', (chunk: Buffer) => {
      upstream.framer.push(chunk);
      try {
        for (let m = upstream.framer.next(); m; m = upstream.framer.next()) this.relay?.receive(m);
      } catch (error) {
        this.fatal(error);
      }
    });
    upstream.socket.on('error', () => this.upstreamLost());
    upstream.socket.on('close', () => this.upstreamLost());
    this.phase = 'ready';
    const out = [authenticationOk(), ...upstream.parameterStatus];
    if (upstream.backendKeyData) out.push(upstream.backendKeyData);
    out.push(readyForQuery('I'));
    this.socket.write(Buffer.concat(out));
    await this.recorder.start({ database: this.options.database, application: this.startupParameters.application_name ?? '' });
  }

  /** A simple Query is one decision over all its statements: PostgreSQL runs it as one unit. */
  private async runQuery(sql: string): Promise<void> {
    const started = process.hrtime.bigint();
    const verdict = await this.decideStatement(sql, {});
    if (!verdict.allowed) {
      this.socket.write(readyForQuery(this.relay?.status ?? 'I'));
      return;
    }
    const decision = verdict.allowed;
    const relay = this.requireRelay();
    const statement = this.statementRun(decision, sql, started);
    relay.expect({ kind: 'query', statement });
    this.upstream?.socket.write(typed('Q', Buffer.from(`${sql}\0`, 'utf8')));
    await relay.whenReady();
    this.copyIn = false;
  }

  /**
   * Extended protocol: messages are held until Sync (or Flush), every Execute in the batch
   * is decided in order, then the batch goes upstream with each denied Execute replaced by
   * an unparseable marker, so PostgreSQL itself aborts the batch at that point and the
   * relay swaps the marker's syntax error for the policy's answer.
   */
  private async flushBatch(sync: boolean, flushOnly = false): Promise<void> {
    const messages = this.batch;
    this.batch = [];
    if (messages.length === 0 && !sync && !flushOnly) return;
    const relay = this.requireRelay();
    const out: Buffer[] = [];
    for (const message of messages) {
      switch (message.type) {
        case 'Parse':
          this.statements.set(message.name, { sql: message.sql });
          relay.expect({ kind: 'parse' });
          out.push(encodeParse(message.name, message.sql, message.parameterTypes));
          break;
        case 'Bind':
          this.portals.set(message.portal, { statement: message.statement, bind: message });
          relay.expect({ kind: 'bind' });
          out.push(encodeBind(message));
          break;
        case 'Describe':
          relay.expect({ kind: 'describe', swallow: false });
          out.push(typed('D', Buffer.from(`${message.target}${message.name}\0`, 'utf8')));
          break;
        case 'Close':
          if (message.target === 'S') this.statements.delete(message.name);
          else this.portals.delete(message.name);
          relay.expect({ kind: 'close' });
          out.push(typed('C', Buffer.from(`${message.target}${message.name}\0`, 'utf8')));
          break;
        case 'Execute':
          out.push(...(await this.prepareExecute(message.portal, message.maxRows)));
          break;
        default:
          break;
      }
    }
    if (sync) {
      relay.expect({ kind: 'sync' });
      out.push(typed('S', Buffer.alloc(0)));
    } else if (flushOnly) {
      out.push(typed('H', Buffer.alloc(0)));
    }
    if (out.length > 0) this.upstream?.socket.write(Buffer.concat(out));
    if (sync) await relay.whenReady();
  }

  private async prepareExecute(portalName: string, maxRows: number): Promise<Buffer[]> {
    const relay = this.requireRelay();
    const portal = this.portals.get(portalName);
    const sql = portal ? this.statements.get(portal.statement)?.sql : undefined;
    const started = process.hrtime.bigint();
    const parameters = portal ? describeParameters(portal.bind) : [];
    const verdict: StatementVerdict =
      sql === undefined ? { denial: `portal "${portalName}" does not exist` } : await this.decideStatement(sql, { parameters }, true);
    const decision = verdict.allowed;
    if (!decision || sql === undefined) {
      const marker = `gatehouse_denied_${randomUUID().replaceAll('-', '')}`;
      const reason = verdict.denial ?? 'denied by policy';
      const statement = this.statementRun(undefined, sql ?? '', started);
      relay.expect({
        kind: 'denial',
        marker,
        statement,
        error: errorResponse({ severity: 'ERROR', code: sql === undefined ? '34000' : POLICY_DENIED, message: reason }),
      });
      return [encodeParse(`${marker}`, marker, [])];
    }
    const statement = this.statementRun(decision, sql, started);
    const out: Buffer[] = [];
    if (statement.masks.size > 0) {
      // The relay needs the result's column origins to mask; ask for them ourselves.
      relay.expect({
        kind: 'describe',
        swallow: true,
        onDescription: (fields) => {
          statement.fields = fields;
        },
      });
      statement.resultFormats = portal?.bind.resultFormats;
      out.push(typed('D', Buffer.from(`P${portalName}\0`, 'utf8')));
    }
    relay.expect({ kind: 'execute', statement });
    const body = Buffer.alloc(Buffer.byteLength(portalName) + 5);
    body.write(portalName, 0, 'utf8');
    body.writeInt32BE(maxRows, Buffer.byteLength(portalName) + 1);
    out.push(typed('E', body));
    return out;
  }

  /**
   * Decides one statement and handles require_approval by holding it. Returns the allowing
   * decision, or undefined after telling the client why not (simple protocol) / recording
   * why (extended protocol, where the relay reports it in position).
   */
  private async decideStatement(sql: string, extra: JsonObject, extended = false): Promise<StatementVerdict> {
    let decision = await this.decide('db.query', { sql: { text: sql, ...extra } });
    if (decision.effect === 'require_approval') {
      decision = await this.holdForApproval(decision);
    }
    if (decision.effect === 'allow') {
      const unknown = unenforceableObligations(decision.obligations, ENFORCEABLE);
      if (unknown.length === 0) return { allowed: decision };
      decision = { ...decision, effect: 'deny', reasons: [`gatehouse: obligation(s) ${unknown.join(', ')} cannot be enforced by the PostgreSQL proxy`] };
    }
    const denial = `denied by policy: ${describe(decision)}`;
    await this.recorder.statement({ sql, decision, rows: 0, micros: 0, outcome: 'denied' });
    if (!extended) this.socket.write(errorResponse({ severity: 'ERROR', code: POLICY_DENIED, message: denial }));
    return { denial };
  }

  private async holdForApproval(decision: DataPlaneDecision): Promise<DataPlaneDecision> {
    const approvalId = decision.approvalId;
    if (!approvalId) return { ...decision, effect: 'deny', reasons: [...decision.reasons, 'gatehouse: approval required but no approval was created'] };
    this.socket.write(
      noticeResponse({
        severity: 'NOTICE',
        code: '01000',
        message: `gatehouse: approval ${approvalId} required (${decision.reasons.join('; ')}); waiting for a reviewer: ${this.options.approveHint.replace('{id}', approvalId)}`,
      }),
    );
    const outcome = await this.options.decisions.awaitApproval(approvalId, this.token);
    if (outcome.status === 'approved') return { ...decision, effect: 'allow', reasons: [outcome.reason] };
    return { ...decision, effect: 'deny', reasons: [`approval ${approvalId} ${outcome.status}: ${outcome.reason}`] };
  }

  private decide(action: string, context: JsonObject): Promise<DataPlaneDecision> {
    return this.options.decisions.decide({
      action,
      resource: this.options.resource,
      context,
      token: this.token,
      sessionId: this.id,
    });
  }

  private statementRun(decision: DataPlaneDecision | undefined, sql: string, started: bigint): StatementRun {
    const masks = new Set(maskList(decision));
    return {
      masks,
      rows: 0,
      errored: false,
      done: ({ rows, error }) => {
        if (!decision) return;
        const micros = Number((process.hrtime.bigint() - started) / 1000n);
        void this.recorder.statement({ sql, decision, rows, micros, outcome: error ? 'error' : 'ok' }).catch(() => this.close('recording failed'));
      },
    };
  }

  private onCopyIn(message: FrontendMessage): void {
    if (message.type === 'CopyData') this.upstream?.socket.write(typed('d', message.data));
    else if (message.type === 'CopyDone') this.upstream?.socket.write(typed('c', Buffer.alloc(0)));
    else if (message.type === 'CopyFail') this.upstream?.socket.write(typed('f', Buffer.from(`${message.message}\0`)));
    else if (message.type === 'Sync' || message.type === 'Flush') return;
    else throw new ProtocolViolation(`unexpected ${message.type} during COPY`);
    if (message.type !== 'CopyData') this.copyIn = false;
  }

  private refuseOutOfBand(message: string): void {
    this.socket.write(Buffer.concat([errorResponse({ severity: 'ERROR', code: '0A000', message }), readyForQuery(this.relay?.status ?? 'I')]));
  }

  private refuseConnection(code: string, message: string): void {
    this.socket.end(errorResponse({ severity: 'FATAL', code, message }));
    this.phase = 'closed';
    this.close('refused at startup');
  }

  private requireRelay(): UpstreamRelay {
    if (!this.relay) throw new ProtocolViolation('no upstream session');
    return this.relay;
  }

  private upstreamLost(): void {
    if (this.phase === 'closed') return;
    this.log('warn', 'upstream connection lost', { sessionId: this.id });
    this.socket.end(errorResponse({ severity: 'FATAL', code: '57P01', message: 'the database connection behind Gatehouse was lost; reconnect' }));
    this.close('upstream lost');
  }

  private fatal(error: unknown): void {
    if (this.phase === 'closed') return;
    const code = error instanceof ProtocolViolation || error instanceof StartupRefused ? error.sqlState : 'XX000';
    const message = error instanceof ProtocolViolation || error instanceof StartupRefused ? error.message : 'internal proxy error';
    if (!(error instanceof ProtocolViolation || error instanceof StartupRefused)) {
      this.log('warn', 'session failed', { sessionId: this.id, error: error instanceof Error ? error.message : String(error) });
    }
    if (!this.socket.destroyed) this.socket.end(errorResponse({ severity: 'FATAL', code, message }));
    this.close(message);
  }

  close(reason: string): void {
    const wasReady = this.phase === 'ready';
    if (this.phase === 'closed' && !this.upstream) return;
    this.phase = 'closed';
    this.unregisterCancel?.();
    this.unregisterCancel = undefined;
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream && !upstream.socket.destroyed) upstream.socket.end(typed('X', Buffer.alloc(0)));
    if (!this.socket.destroyed) this.socket.end();
    if (wasReady) void this.recorder.end(reason).catch(() => undefined);
  }
}

function maskList(decision: DataPlaneDecision | undefined): string[] {
  const mask = decision?.obligations.mask;
  return Array.isArray(mask) ? mask.filter((m): m is string => typeof m === 'string').map((m) => m.toLowerCase()) : [];
}

function describe(decision: DataPlaneDecision): string {
  return decision.reasons.length > 0 ? decision.reasons.join('; ') : 'no reason given';
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function encodeParse(name: string, sql: string, types: number[]): Buffer {
  const head = Buffer.from(`${name}\0${sql}\0`, 'utf8');
  const tail = Buffer.alloc(2 + 4 * types.length);
  tail.writeInt16BE(types.length, 0);
  types.forEach((t, i) => tail.writeInt32BE(t, 2 + 4 * i));
  return typed('P', Buffer.concat([head, tail]));
}

function encodeBind(bind: BindMessage): Buffer {
  const parts: Buffer[] = [Buffer.from(`${bind.portal}\0${bind.statement}\0`, 'utf8')];
  const int16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n, 0);
    return b;
  };
  const int32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n, 0);
    return b;
  };
  parts.push(int16(bind.parameterFormats.length), ...bind.parameterFormats.map(int16));
  parts.push(int16(bind.parameters.length));
  for (const p of bind.parameters) parts.push(p === null ? int32(-1) : Buffer.concat([int32(p.length), p]));
  parts.push(int16(bind.resultFormats.length), ...bind.resultFormats.map(int16));
  return typed('B', Buffer.concat(parts));
}

/** Bound parameters for the decision context: text values as strings, binary ones as base64. */
function describeParameters(bind: BindMessage): JsonObject[] {
  return bind.parameters.map((value, i): JsonObject => {
    const format = bind.parameterFormats.length === 1 ? bind.parameterFormats[0] : (bind.parameterFormats[i] ?? 0);
    if (value === null) return { value: null };
    return format === 1 ? { format: 'binary', base64: value.toString('base64') } : { value: value.toString('utf8') };
  });
}
