import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { JsonObject } from '../../engine/model/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import { unenforceableObligations, type DataPlaneDecision, type DecisionClient } from '../sdk/index.ts';
import { maskedColumns } from '../../engine/model/index.ts';
import { mayChangeStatementReading } from './statement-reading-settings.ts';
import { previewStatement } from './statement-preview.ts';
import { SESSION_STATE_SQL, stateDifference, type SessionState } from './session-state.ts';
import { SessionSettingsChanged } from './statement-reading-settings.ts';
import { mentionsReservedName, ProtocolObjects, type PortalEntry } from './protocol-objects.ts';
import type { ColumnOriginResolver } from './column-masker.ts';
import type { SessionRecorder } from './session-recorder.ts';
import type { StatementRun, UpstreamRelay } from './upstream-relay.ts';
import { errorResponse, noticeResponse, readyForQuery, typed } from './wire/backend-messages.ts';
import {
  encodeBind,
  encodeClose,
  encodeDescribe,
  encodeExecute,
  encodeFlush,
  encodeParse,
  encodeQuery,
  encodeSync,
} from './wire/frontend-encoders.ts';
import type { BindMessage, FrontendMessage } from './wire/frontend-messages.ts';
import { ProtocolViolation } from './wire/message-framer.ts';

const ENFORCEABLE = ['mask'] as const;
const POLICY_DENIED = '42501';

type Verdict = { allowed: DataPlaneDecision; denial?: undefined } | { allowed?: undefined; denial: string };

export interface StatementRunnerOptions {
  client: Socket;
  upstream: Socket;
  relay: UpstreamRelay;
  decisions: DecisionClient;
  resource: Resource;
  token: string;
  sessionId: string;
  recorder: SessionRecorder;
  approveHint: string;
  recordingFailed: () => void;
  /** The upstream catalog: columns of the relations a statement names, sent with its decision. */
  catalog: Pick<ColumnOriginResolver, 'relationColumns'>;
}

/**
 * Decides and runs a session's statements. A simple Query is one decision over all its
 * statements (PostgreSQL runs it as one unit). Extended-protocol messages are held until
 * Sync or Flush; every Execute in the batch is decided, in order, on the SQL of the portal it
 * runs; then the batch goes upstream with each denied Execute replaced by an unparseable
 * marker Parse, so PostgreSQL itself aborts the batch at that point (as it would for any
 * error) and the relay swaps the marker's syntax error for the policy's 42501.
 */
export class StatementRunner {
  readonly objects = new ProtocolObjects();
  private batch: FrontendMessage[] = [];
  private copying = false;
  private readonly aborter = new AbortController();
  /** The session state read at the start; every later read must match it. */
  private baseline: SessionState | undefined;
  /** A statement that may have changed settings ran, and the state has not been read since. */
  private stateUnchecked = false;

  constructor(private readonly o: StatementRunnerOptions) {}

  get copyIn(): boolean {
    return this.copying;
  }

  startCopyIn(): void {
    this.copying = true;
  }

  close(): void {
    this.aborter.abort();
  }

  async onMessage(message: FrontendMessage): Promise<void> {
    if (this.baseline === undefined && this.o.relay.idle) {
      this.baseline = await this.readState('sync');
      if (this.baseline === undefined) return;
    }
    switch (message.type) {
      case 'Query':
        // Unsynced extended messages before a Query: close them with a Sync of our own (its
        // ReadyForQuery swallowed), or an error in them would make PostgreSQL discard the Query.
        // Likewise after an error in a Flush-ended batch: PostgreSQL ignores all until a Sync.
        if (this.batch.length > 0 || this.o.relay.awaitingSync) await this.flushBatch('sync', true);
        return this.runQuery(message.sql);
      case 'Parse':
      case 'Bind':
      case 'Describe':
      case 'Execute':
      case 'Close':
        this.batch.push(message);
        return;
      case 'Sync':
        return this.flushBatch('sync');
      case 'Flush':
        return this.flushBatch('flush');
      case 'FunctionCall':
        return this.refuseOutOfBand('the fast-path function call protocol is not allowed through Gatehouse');
      default:
        return this.refuseOutOfBand(`unexpected ${message.type} message outside COPY`);
    }
  }

  onCopyIn(message: FrontendMessage): void {
    const upstream = this.o.upstream;
    if (message.type === 'CopyData') upstream.write(typed('d', message.data));
    else if (message.type === 'CopyDone') upstream.write(typed('c', Buffer.alloc(0)));
    else if (message.type === 'CopyFail') upstream.write(typed('f', Buffer.from(`${message.message}\0`)));
    else if (message.type === 'Sync' || message.type === 'Flush') return;
    else throw new ProtocolViolation(`unexpected ${message.type} during COPY`);
    if (message.type !== 'CopyData') this.copying = false;
  }

  private async runQuery(sql: string): Promise<void> {
    const started = process.hrtime.bigint();
    const verdict = await this.decideStatement(sql, {});
    if (!verdict.allowed) {
      this.o.client.write(Buffer.concat([errorResponse({ severity: 'ERROR', code: POLICY_DENIED, message: verdict.denial }), readyForQuery(this.o.relay.status)]));
      return;
    }
    const statement = this.statementRun(verdict.allowed, sql, started);
    this.o.relay.expect({ kind: 'query', statement });
    this.o.upstream.write(encodeQuery(sql));
    await this.o.relay.whenIdle();
    this.copying = false;
    if (previewStatement(sql).mayChangeSettings) this.stateUnchecked = true;
    await this.checkState('sync');
  }

  /**
   * Reads the session state back when a statement may have changed it, and ends the session
   * (FATAL 42501) when it differs from the start. In a failed transaction nothing runs until
   * ROLLBACK (which undoes the change), so the read waits for the next statement.
   */
  private async checkState(end: 'sync' | 'flush'): Promise<void> {
    if (!this.stateUnchecked || this.baseline === undefined) return;
    if (this.o.relay.status === 'E' || this.o.relay.awaitingSync) return;
    const now = await this.readState(end);
    if (now === undefined) return;
    this.stateUnchecked = false;
    const difference = stateDifference(this.baseline, now);
    if (difference !== undefined) throw new SessionSettingsChanged(difference);
  }

  /** The proxy's own Parse/Bind/Execute of SESSION_STATE_SQL under reserved names; undefined when the session closed. */
  private async readState(end: 'sync' | 'flush'): Promise<SessionState | undefined> {
    const relay = this.o.relay;
    const statement = this.objects.fresh('s', 'state-check');
    const portal = this.objects.fresh('p', 'state-check');
    let row: SessionState | undefined;
    relay.expect({ kind: 'parse', swallow: true });
    relay.expect({ kind: 'bind', swallow: true });
    relay.expect({ kind: 'probe', onRow: (values) => (row = values.map((v) => (v === null ? null : v.toString('utf8')))) });
    relay.expect({ kind: 'close', swallow: true });
    relay.expect({ kind: 'close', swallow: true });
    const out = [
      encodeParse(statement, SESSION_STATE_SQL, []),
      encodeBind({ portal, statement, parameterFormats: [], parameters: [], resultFormats: [] }, portal, statement),
      encodeExecute(portal, 0),
      encodeClose('P', portal),
      encodeClose('S', statement),
    ];
    if (end === 'sync') {
      relay.expect({ kind: 'sync', swallow: true });
      out.push(encodeSync());
    } else out.push(encodeFlush());
    this.o.upstream.write(Buffer.concat(out));
    if (!(await this.idleOrClosed())) return undefined;
    if (row === undefined) throw new SessionSettingsChanged('state could not be read back');
    return row;
  }

  private async flushBatch(end: 'sync' | 'flush', implicitSync = false): Promise<void> {
    const relay = this.o.relay;
    // After an error in an earlier Flush-ended batch PostgreSQL ignores these until Sync, so
    // they are neither decided nor sent: nothing the client sees depends on them, and the reply
    // stream stays in order (the relay learned of the error before this batch began: batches
    // wait for the previous one's replies).
    const messages = relay.awaitingSync ? [] : this.batch;
    this.batch = [];
    const view = this.objects.speculate();
    let out: Buffer[] = [];
    // An earlier Execute of this batch may change session settings: later ones are decided
    // only once it has run (and the relay has seen the settings it reported).
    let settingsInFlight = false;
    for (const message of messages) {
      switch (message.type) {
        case 'Parse': {
          const upstream = this.objects.fresh('s', message.name);
          const replaced = message.name === '' ? undefined : view.statements.get(message.name)?.upstream;
          const entry = { upstream, sql: message.sql };
          view.statements.set(message.name, entry);
          relay.expect({ kind: 'parse', onComplete: () => this.objects.statements.set(message.name, entry) });
          // SQL naming a reserved object may be prepared; its Execute is refused (decideStatement).
          out.push(encodeParse(upstream, message.sql, message.parameterTypes));
          if (replaced) {
            relay.expect({ kind: 'close', swallow: true });
            out.push(encodeClose('S', replaced));
          }
          break;
        }
        case 'Bind': {
          const statement = view.statements.get(message.statement);
          if (!statement) {
            out.push(this.refuseObject(missingObjectError('S', message.statement)));
            break;
          }
          const upstream = this.objects.fresh('p', message.portal);
          const replaced = message.portal === '' ? undefined : view.portals.get(message.portal)?.upstream;
          const entry = { upstream, sql: statement.sql, bind: message };
          view.portals.set(message.portal, entry);
          relay.expect({ kind: 'bind', onComplete: () => this.objects.portals.set(message.portal, entry) });
          out.push(encodeBind(message, upstream, statement.upstream));
          if (replaced) {
            relay.expect({ kind: 'close', swallow: true });
            out.push(encodeClose('P', replaced));
          }
          break;
        }
        case 'Describe': {
          const map = message.target === 'S' ? view.statements : view.portals;
          const known = map.get(message.name);
          if (!known) {
            out.push(this.refuseObject(missingObjectError(message.target, message.name)));
            break;
          }
          relay.expect({ kind: 'describe', swallow: false });
          out.push(encodeDescribe(message.target, known.upstream));
          break;
        }
        case 'Close': {
          const map = message.target === 'S' ? view.statements : view.portals;
          const upstream = map.get(message.name)?.upstream ?? this.objects.missing;
          map.delete(message.name);
          const confirmed = message.target === 'S' ? this.objects.statements : this.objects.portals;
          relay.expect({ kind: 'close', onComplete: () => confirmed.delete(message.name) });
          out.push(encodeClose(message.target, upstream));
          break;
        }
        case 'Execute': {
          if (settingsInFlight) {
            out.push(encodeFlush());
            this.o.upstream.write(Buffer.concat(out));
            out = [];
            if (!(await this.idleOrClosed())) return;
            settingsInFlight = false;
            await this.checkState('flush');
          }
          const portal = view.portals.get(message.portal);
          out.push(...(await this.prepareExecute(portal, message.portal, message.maxRows)));
          if (portal?.sql !== undefined && previewStatement(portal.sql).mayChangeSettings) {
            settingsInFlight = true;
            this.stateUnchecked = true;
          }
          break;
        }
        default:
          break;
      }
    }
    if (end === 'sync') {
      relay.expect({ kind: 'sync', swallow: implicitSync });
      out.push(encodeSync());
    } else if (end === 'flush') {
      out.push(encodeFlush());
    }
    if (out.length > 0) this.o.upstream.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    // The next batch is decided on confirmed state, so wait for this one's replies.
    if (!(await this.idleOrClosed())) return;
    await this.checkState(end === 'sync' ? 'sync' : 'flush');
  }

  /** Waits for every reply expected so far; false when the session closed meanwhile. */
  private idleOrClosed(): Promise<boolean> {
    const signal = this.aborter.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.o.relay.whenIdle().then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(!signal.aborted);
      });
    });
  }

  private async prepareExecute(portal: PortalEntry | undefined, portalName: string, maxRows: number): Promise<Buffer[]> {
    const relay = this.o.relay;
    const started = process.hrtime.bigint();
    const sql = portal?.sql;
    const verdict: Verdict =
      portal === undefined || sql === undefined
        ? { denial: 'no such portal' }
        : await this.decideStatement(sql, { parameters: describeParameters(portal.bind) });
    if (!verdict.allowed || portal === undefined) {
      const error =
        portal === undefined
          ? missingObjectError('P', portalName)
          : errorResponse({ severity: 'ERROR', code: POLICY_DENIED, message: verdict.denial ?? 'denied' });
      return [this.refuseObject(error, this.statementRun(undefined, sql ?? '', started))];
    }
    const statement = this.statementRun(verdict.allowed, sql!, started);
    const out: Buffer[] = [];
    if (statement.masks.size > 0) {
      // The relay needs the result's column origins to mask: ask for them itself.
      relay.expect({ kind: 'describe', swallow: true, onDescription: (fields) => (statement.fields = fields) });
      statement.resultFormats = portal.bind.resultFormats;
      out.push(encodeDescribe('P', portal.upstream));
    }
    relay.expect({ kind: 'execute', statement });
    out.push(encodeExecute(portal.upstream, maxRows));
    return out;
  }

  /**
   * An unparseable marker Parse in place of a message that must fail: PostgreSQL aborts the
   * batch there as for any error, and the relay answers `error` instead of the marker's.
   */
  private refuseObject(error: Buffer, statement: StatementRun = this.statementRun(undefined, '', process.hrtime.bigint())): Buffer {
    const marker = `gatehouse_denied_${randomUUID().replaceAll('-', '')}`;
    this.o.relay.expect({ kind: 'denial', marker, statement, error });
    // Named, so the failing Parse does not drop the client's unnamed statement.
    return encodeParse(marker, marker, []);
  }

  /** Decides one statement, holding it while an approval is pending. */
  private async decideStatement(sql: string, extra: JsonObject): Promise<Verdict> {
    let decision: DataPlaneDecision;
    if (mentionsReservedName(sql)) {
      decision = refusal('gatehouse: the statement names an object reserved for the proxy (gatehouse_… or a U&"…" identifier)');
    } else if (mayChangeStatementReading(sql)) {
      decision = refusal('gatehouse: the statement may change how PostgreSQL reads statements (client_encoding, SET NAMES, standard_conforming_strings); refused');
    } else {
      let shapes: { columns: Record<string, string[]>; keys: Record<string, string[]> };
      try {
        shapes = await this.o.catalog.relationColumns(previewStatement(sql).relations);
      } catch {
        decision = refusal('gatehouse: the columns of the tables the statement names could not be looked up; refused');
        this.record({ sql, decision, rows: 0, micros: 0, outcome: 'denied' });
        return { denial: `denied by policy: ${describe(decision)}` };
      }
      decision = await this.o.decisions.decide({
        action: 'db.query',
        resource: this.o.resource,
        context: { sql: { text: sql, ...extra, catalog: shapes.columns, keys: shapes.keys } },
        token: this.o.token,
        sessionId: this.o.sessionId,
      });
      if (decision.effect === 'require_approval') decision = await this.holdForApproval(decision);
    }
    if (decision.effect === 'allow') {
      const unknown = unenforceableObligations(decision.obligations, ENFORCEABLE);
      const masks = maskedColumns(decision.obligations);
      if (unknown.length === 0 && masks !== undefined) return { allowed: decision };
      const why = masks === undefined ? 'a mask obligation that is not a list of column names' : `obligation(s) ${unknown.join(', ')}`;
      decision = { ...decision, effect: 'deny', reasons: [`gatehouse: ${why} cannot be enforced by the PostgreSQL proxy`] };
    }
    this.record({ sql, decision, rows: 0, micros: 0, outcome: 'denied' });
    return { denial: `denied by policy: ${describe(decision)}` };
  }

  private async holdForApproval(decision: DataPlaneDecision): Promise<DataPlaneDecision> {
    const approvalId = decision.approvalId;
    if (!approvalId) return { ...decision, effect: 'deny', reasons: [...decision.reasons, 'gatehouse: approval required but no approval was created'] };
    this.o.client.write(
      noticeResponse({
        severity: 'NOTICE',
        code: '01000',
        message: `gatehouse: approval ${approvalId} required (${decision.reasons.join('; ')}); waiting for a reviewer: ${this.o.approveHint.replaceAll('{id}', approvalId)}`,
      }),
    );
    const outcome = await this.o.decisions.awaitApproval(approvalId, this.o.token, this.aborter.signal);
    if (outcome.status === 'approved') return { ...decision, effect: 'allow', reasons: [...decision.reasons, outcome.reason] };
    return { ...decision, effect: 'deny', reasons: [outcome.reason] };
  }

  private statementRun(decision: DataPlaneDecision | undefined, sql: string, started: bigint): StatementRun {
    return {
      masks: new Set(decision ? (maskedColumns(decision.obligations) ?? []) : []),
      rows: 0,
      errored: false,
      done: ({ rows, error }) => {
        if (!decision) return;
        const micros = Number((process.hrtime.bigint() - started) / 1000n);
        this.record({ sql, decision, rows, micros, outcome: error ? 'error' : 'ok' });
      },
    };
  }

  private record(run: Parameters<SessionRecorder['statement']>[0]): void {
    this.o.recorder.statement(run).catch(() => this.o.recordingFailed());
  }

  private refuseOutOfBand(message: string): void {
    this.o.client.write(Buffer.concat([errorResponse({ severity: 'ERROR', code: '0A000', message }), readyForQuery(this.o.relay.status)]));
  }
}

/** PostgreSQL's own errors for a missing object, with the client's name (never the proxy's). */
function missingObjectError(target: 'S' | 'P', name: string): Buffer {
  const what = target === 'S' ? 'prepared statement' : 'portal';
  const message = name === '' ? `unnamed ${what} does not exist` : `${what} "${name}" does not exist`;
  return errorResponse({ severity: 'ERROR', code: target === 'S' ? '26000' : '34000', message });
}

function refusal(reason: string): DataPlaneDecision {
  return { decisionId: '', effect: 'deny', reasons: [reason], obligations: {}, policyRevision: '' };
}

function describe(decision: DataPlaneDecision): string {
  return decision.reasons.length > 0 ? decision.reasons.join('; ') : 'no reason given';
}

/** Bound parameters for the decision context: text values as strings, binary ones as base64. */
function describeParameters(bind: BindMessage): JsonObject[] {
  return bind.parameters.map((value, i): JsonObject => {
    const format = bind.parameterFormats.length === 1 ? bind.parameterFormats[0] : (bind.parameterFormats[i] ?? 0);
    if (value === null) return { value: null };
    return format === 1 ? { format: 'binary', base64: value.toString('base64') } : { value: value.toString('utf8') };
  });
}
