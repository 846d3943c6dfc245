import type { Socket } from 'node:net';
import { maskRow, planMask, type ColumnOriginResolver, type MaskPlan } from './column-masker.ts';
import {
  dataRow,
  decodeCommandTag,
  decodeDataRow,
  decodeFields,
  decodeParameterStatus,
  decodeRowDescription,
  errorResponse,
  noticeResponse,
  rowsFromCommandTag,
  type FieldDescription,
} from './wire/backend-messages.ts';
import { ProtocolViolation, type TypedMessage } from './wire/message-framer.ts';
import { SessionSettingsChanged, unsafeReadingSetting } from './statement-reading-settings.ts';

/**
 * What the proxy expects the upstream to answer, in order. Every message forwarded upstream
 * pushes one expectation; every upstream reply is matched to the head. This is how a reply
 * is tied to the statement (and its decision, masks and recording) that caused it, how the
 * proxy learns which prepared statements and portals really exist upstream, and how a policy
 * denial injected into an extended-protocol batch surfaces at the right position.
 */
export type Expectation =
  /** `swallow`: the proxy sent it on its own (closing a replaced object); the client expects no reply. */
  | { kind: 'parse' | 'bind' | 'close'; onComplete?: () => void; swallow?: boolean }
  | { kind: 'describe'; swallow: boolean; onDescription?: (fields: FieldDescription[] | undefined) => void }
  | { kind: 'execute'; statement: StatementRun }
  | { kind: 'query'; statement: StatementRun }
  /** A deliberately unparseable Parse standing where a denied Execute was; its error becomes the denial. */
  | { kind: 'denial'; marker: string; error: Buffer; statement: StatementRun }
  /** `swallow`: a Sync the proxy added itself; its ReadyForQuery is not the client's. */
  | { kind: 'sync'; swallow?: boolean }
  /** The proxy's own read of the session state (session-state.ts): rows go to `onRow`, never to the client. */
  | { kind: 'probe'; onRow: (values: (Buffer | null)[]) => void };

/** One decided statement while it runs upstream. */
export interface StatementRun {
  masks: ReadonlySet<string>;
  /** RowDescription fields known in advance (extended protocol: from an injected Describe). */
  fields?: FieldDescription[];
  resultFormats?: number[];
  plan?: MaskPlan;
  rows: number;
  errored: boolean;
  done: (outcome: { rows: number; tag?: string; error?: string }) => void;
}

export interface RelayHooks {
  /** The session cannot continue (a protocol violation, a masking failure): close it. */
  fatal: (error: Error) => void;
  /** The upstream entered COPY FROM STDIN: the client's CopyData must flow at once. */
  copyIn: () => void;
  /** Simple Query destroys the unnamed statement and portal upstream. */
  simpleQueryDone: () => void;
}

export class UpstreamRelay {
  private readonly expectations: Expectation[] = [];
  private transactionStatus: 'I' | 'T' | 'E' = 'I';
  private idleWaiters: (() => void)[] = [];
  /** Messages waiting while an earlier one awaits the catalog (mask planning); order is kept. */
  private backlog: TypedMessage[] = [];
  private busy = false;
  /**
   * An extended-protocol error arrived with no Sync expected yet (the client ended its batch
   * with Flush): PostgreSQL now ignores everything up to the client's next Sync, so no reply
   * may be expected for anything registered before that Sync.
   */
  private skippingUntilSync = false;

  constructor(
    private readonly client: Socket,
    private readonly origins: ColumnOriginResolver,
    private readonly hooks: RelayHooks,
  ) {}

  get status(): 'I' | 'T' | 'E' {
    return this.transactionStatus;
  }

  get idle(): boolean {
    return this.expectations.length === 0;
  }

  /** True while PostgreSQL ignores extended-protocol messages until the client's next Sync. */
  get awaitingSync(): boolean {
    return this.skippingUntilSync;
  }

  expect(expectation: Expectation): void {
    if (this.skippingUntilSync) {
      if (expectation.kind !== 'sync') {
        // PostgreSQL will not answer it; expecting a reply would misread the stream.
        skipped(expectation);
        return;
      }
      this.skippingUntilSync = false;
    }
    this.expectations.push(expectation);
  }

  /** Resolves once every reply expected so far has arrived (at once when nothing is outstanding). */
  whenIdle(): Promise<void> {
    if (this.expectations.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Upstream messages of one read, handled strictly in order and written to the client in one go. */
  receive(messages: TypedMessage[]): void {
    if (this.busy) {
      this.backlog.push(...messages);
      return;
    }
    this.run(messages);
  }

  private run(messages: TypedMessage[]): void {
    this.client.cork();
    try {
      for (let i = 0; i < messages.length; i++) {
        const pending = this.handle(messages[i]!);
        if (pending !== undefined) {
          this.busy = true;
          this.backlog = [...messages.slice(i + 1), ...this.backlog];
          pending.then(
            () => {
              this.busy = false;
              const next = this.backlog;
              this.backlog = [];
              if (next.length > 0) this.receive(next);
            },
            (error: unknown) => this.hooks.fatal(error instanceof Error ? error : new Error(String(error))),
          );
          return;
        }
      }
    } catch (error) {
      this.hooks.fatal(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.client.uncork();
    }
  }

  private write(bytes: Buffer): void {
    if (!this.client.destroyed) this.client.write(bytes);
  }

  private shift(): Expectation | undefined {
    const head = this.expectations.shift();
    if (this.expectations.length === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    return head;
  }

  /** Returns a promise only when it had to wait (mask planning looked up the catalog). */
  private handle(message: TypedMessage): Promise<void> | undefined {
    const type = String.fromCharCode(message.type);
    const head = this.expectations[0];
    switch (type) {
      case 'N':
        // Notices can carry data (RAISE NOTICE): while masks apply, only their SQLSTATE passes.
        if (this.masking(head)) {
          const fields = decodeFields(message.body);
          this.write(noticeResponse({ severity: 'NOTICE', code: fields.get('C') ?? '00000', message: 'notice suppressed while masking applies' }));
        } else this.write(message.raw);
        return undefined;
      case 'S': {
        // A session PostgreSQL now reads differently from the proxy would run text other than
        // what was decided (see statement-reading-settings.ts).
        const { name, value } = decodeParameterStatus(message.body);
        const unsafe = unsafeReadingSetting(name, value);
        if (unsafe) throw new SessionSettingsChanged(unsafe);
        this.write(message.raw);
        return undefined;
      }
      case 'A':
        this.write(message.raw);
        return undefined;
      case '1':
      case '2':
      case '3':
        if (head?.kind === 'parse' || head?.kind === 'bind' || head?.kind === 'close') {
          this.shift();
          head.onComplete?.();
          if (!head.swallow) this.write(message.raw);
          return undefined;
        }
        throw new ProtocolViolation(`upstream answered ${type} where ${head?.kind ?? 'nothing'} was expected`);
      case 't':
        if (!(head?.kind === 'describe' && head.swallow)) this.write(message.raw);
        return undefined;
      case 'T':
      case 'n':
        return this.onDescription(type, message, head);
      case 'D':
        if (head?.kind === 'probe') {
          head.onRow(decodeDataRow(message.body));
          return undefined;
        }
        return this.onDataRow(message, head);
      case 'C':
      case 'I':
      case 's': {
        const tag = type === 'C' ? decodeCommandTag(message.body) : undefined;
        if (head?.kind === 'probe') {
          this.shift();
          return undefined;
        }
        if (head?.kind === 'execute') {
          this.shift();
          head.statement.done({ rows: rowsFromCommandTag(tag ?? '') ?? head.statement.rows, tag });
        } else if (head?.kind === 'query') {
          head.statement.plan = undefined;
          head.statement.rows = rowsFromCommandTag(tag ?? '') ?? head.statement.rows;
        }
        this.write(message.raw);
        return undefined;
      }
      case 'E':
        this.onError(message, head);
        return undefined;
      case 'Z': {
        const status = String.fromCharCode(message.body[0] ?? 0x49);
        this.transactionStatus = status === 'T' || status === 'E' ? status : 'I';
        if (head?.kind !== 'query' && head?.kind !== 'sync') throw new ProtocolViolation(`upstream sent ReadyForQuery where ${head?.kind ?? 'nothing'} was expected`);
        this.shift();
        if (head.kind === 'query') {
          this.hooks.simpleQueryDone();
          head.statement.done({ rows: head.statement.rows, error: head.statement.errored ? 'error' : undefined });
        }
        if (!(head.kind === 'sync' && head.swallow)) this.write(message.raw);
        return undefined;
      }
      case 'G':
        this.hooks.copyIn();
        this.write(message.raw);
        return undefined;
      case 'H':
      case 'W':
      case 'd':
      case 'c':
        // COPY out of a masked result would carry the values unmasked; the engine denies
        // COPY under masks, and if a decision slipped through, the session ends here.
        if (this.masking(head)) throw new Error('masking: the upstream started COPY while masks apply; session closed');
        this.write(message.raw);
        return undefined;
      default:
        throw new ProtocolViolation(`unexpected message type '${type}' from upstream`);
    }
  }

  private onDescription(type: 'T' | 'n', message: TypedMessage, head: Expectation | undefined): Promise<void> | undefined {
    const fields = type === 'T' ? decodeRowDescription(message.body) : undefined;
    if (head?.kind === 'describe') {
      this.shift();
      head.onDescription?.(fields);
      if (!head.swallow) this.write(message.raw);
      return undefined;
    }
    if (head?.kind === 'query' && fields && head.statement.masks.size > 0) {
      const statement = head.statement;
      return planMask(fields, statement.masks, this.origins).then((plan) => {
        statement.plan = plan;
        this.write(message.raw);
      });
    }
    this.write(message.raw);
    return undefined;
  }

  private onDataRow(message: TypedMessage, head: Expectation | undefined): Promise<void> | undefined {
    const run = head?.kind === 'execute' || head?.kind === 'query' ? head.statement : undefined;
    if (!run) {
      this.write(message.raw);
      return undefined;
    }
    run.rows++;
    if (run.masks.size === 0) {
      this.write(message.raw);
      return undefined;
    }
    if (run.plan) {
      this.write(dataRow(maskRow(decodeDataRow(message.body), run.plan)));
      return undefined;
    }
    if (!run.fields) throw new Error('masking: a result row arrived without its row description; session closed');
    return planMask(run.fields, run.masks, this.origins, run.resultFormats).then((plan) => {
      run.plan = plan;
      this.write(dataRow(maskRow(decodeDataRow(message.body), plan)));
    });
  }

  private masking(head: Expectation | undefined): boolean {
    return (head?.kind === 'execute' || head?.kind === 'query') && head.statement.masks.size > 0;
  }

  private onError(message: TypedMessage, head: Expectation | undefined): void {
    if (head?.kind === 'probe' || ((head?.kind === 'parse' || head?.kind === 'bind' || head?.kind === 'close') && head.swallow && this.expectations.some((e) => e.kind === 'probe'))) {
      // The proxy's own state read failed: the state cannot be vouched for.
      throw new SessionSettingsChanged('state could not be read back');
    }
    if (head?.kind === 'denial') {
      const fields = decodeFields(message.body);
      this.shift();
      // Our marker's syntax error is replaced by the policy's answer; a different error would
      // mean the marker did not run as planned, and the client must not see it pass as ours.
      this.write((fields.get('M') ?? '').includes(head.marker) ? head.error : message.raw);
    } else if (this.masking(head)) {
      const fields = decodeFields(message.body);
      this.write(errorResponse({ severity: 'ERROR', code: fields.get('C') ?? 'XX000', message: 'statement failed (details hidden while masking applies)' }));
    } else {
      this.write(message.raw);
    }
    if (head?.kind === 'query') {
      head.statement.errored = true;
      return; // a simple query still ends with ReadyForQuery
    }
    if (head?.kind === 'sync' || head === undefined) return; // e.g. an error raised at Sync (COMMIT failure)
    if (head.kind === 'execute') {
      this.shift();
      head.statement.done({ rows: head.statement.rows, error: 'error' });
    } else if (head.kind !== 'denial') {
      this.shift();
      if (head.kind === 'describe') head.onDescription?.(undefined);
    }
    // After an error the server skips everything up to Sync; so do our expectations. With no
    // Sync expected yet (a Flush-ended batch), that also holds for what is expected later.
    // Set before draining: draining can wake whenIdle waiters, who must see the flag.
    if (!this.expectations.some((e) => e.kind === 'sync')) this.skippingUntilSync = true;
    while (this.expectations.length > 0 && this.expectations[0]!.kind !== 'sync') skipped(this.shift()!);
  }
}

/** An expectation PostgreSQL will not answer because an earlier error aborted its batch. */
function skipped(expectation: Expectation): void {
  if (expectation.kind === 'execute' || expectation.kind === 'denial') expectation.statement.done({ rows: 0, error: 'skipped after an earlier error' });
  if (expectation.kind === 'describe') expectation.onDescription?.(undefined);
}
