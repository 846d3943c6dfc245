import type { Socket } from 'node:net';
import { maskRow, planMask, type ColumnOriginResolver, type MaskPlan } from './column-masker.ts';
import {
  dataRow,
  decodeCommandTag,
  decodeDataRow,
  decodeFields,
  decodeRowDescription,
  errorResponse,
  noticeResponse,
  rowsFromCommandTag,
  typed,
} from './wire/backend-messages.ts';
import type { TypedMessage } from './wire/message-framer.ts';

/**
 * What the proxy expects the upstream to answer, in order. Every message forwarded upstream
 * pushes one expectation; every upstream reply is matched to the head. This is how a reply
 * is tied to the statement (and its decision, masks and recording) that caused it, and how
 * a policy denial injected into an extended-protocol batch surfaces at the right position.
 */
export type Expectation =
  | { kind: 'parse' | 'bind' | 'close' }
  | { kind: 'describe'; swallow: boolean; onDescription?: (fields: ReturnType<typeof decodeRowDescription> | undefined) => void }
  | { kind: 'execute'; statement: StatementRun }
  | { kind: 'query'; statement: StatementRun }
  /** A deliberately unparseable Parse standing where a denied Execute was; its error becomes the denial. */
  | { kind: 'denial'; marker: string; error: Buffer; statement: StatementRun }
  | { kind: 'sync' };

/** One decided statement while it runs upstream. */
export interface StatementRun {
  masks: ReadonlySet<string>;
  /** RowDescription fields known in advance (extended protocol: from an injected Describe). */
  fields?: ReturnType<typeof decodeRowDescription>;
  resultFormats?: number[];
  plan?: MaskPlan;
  rows: number;
  errored: boolean;
  done: (outcome: { rows: number; tag?: string; error?: string }) => void;
}

export class UpstreamRelay {
  private readonly expectations: Expectation[] = [];
  private chain: Promise<void> = Promise.resolve();
  private transactionStatus: 'I' | 'T' | 'E' = 'I';
  private readyWaiters: (() => void)[] = [];

  constructor(
    private readonly client: Socket,
    private readonly origins: ColumnOriginResolver,
    private readonly hooks: { fatal: (error: Error) => void; copyIn: () => void },
  ) {}

  get status(): 'I' | 'T' | 'E' {
    return this.transactionStatus;
  }

  get idle(): boolean {
    return this.expectations.length === 0;
  }

  expect(expectation: Expectation): void {
    this.expectations.push(expectation);
  }

  /** Resolves at the next ReadyForQuery (or at once when nothing is outstanding). */
  whenReady(): Promise<void> {
    if (this.expectations.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Upstream messages are handled strictly in order; mask planning may await the catalog. */
  receive(message: TypedMessage): void {
    this.chain = this.chain.then(() => this.handle(message)).catch((error: unknown) => {
      this.hooks.fatal(error instanceof Error ? error : new Error(String(error)));
    });
  }

  private write(bytes: Buffer): void {
    this.client.write(bytes);
  }

  private async handle(message: TypedMessage): Promise<void> {
    const type = String.fromCharCode(message.type);
    const head = this.expectations[0];
    switch (type) {
      case 'N':
      case 'A':
        // Notices can carry data (RAISE NOTICE): while masks apply, only their SQLSTATE passes.
        if (this.masking(head)) {
          const fields = decodeFields(message.body);
          this.write(noticeResponse({ severity: 'NOTICE', code: fields.get('C') ?? '00000', message: 'notice suppressed while masking applies' }));
        } else this.write(typed(type, message.body));
        return;
      case 'S':
        this.write(typed(type, message.body));
        return;
      case '1':
      case '2':
      case '3':
        this.expectations.shift();
        this.write(typed(type, message.body));
        return;
      case 't':
        if (!(head?.kind === 'describe' && head.swallow)) this.write(typed(type, message.body));
        return;
      case 'T':
      case 'n': {
        const fields = type === 'T' ? decodeRowDescription(message.body) : undefined;
        if (head?.kind === 'describe') {
          this.expectations.shift();
          head.onDescription?.(fields);
          if (!head.swallow) this.write(typed(type, message.body));
          return;
        }
        if (head?.kind === 'query' && fields) {
          head.statement.plan = head.statement.masks.size > 0 ? await planMask(fields, head.statement.masks, this.origins) : undefined;
        }
        this.write(typed(type, message.body));
        return;
      }
      case 'D': {
        const run = head?.kind === 'execute' || head?.kind === 'query' ? head.statement : undefined;
        if (run) {
          run.rows++;
          if (run.masks.size > 0) {
            if (!run.plan) {
              if (!run.fields) throw new Error('masking: a result row arrived without its row description');
              run.plan = await planMask(run.fields, run.masks, this.origins, run.resultFormats);
            }
            this.write(dataRow(maskRow(decodeDataRow(message.body), run.plan)));
            return;
          }
        }
        this.write(typed(type, message.body));
        return;
      }
      case 'C':
      case 'I':
      case 's': {
        const tag = type === 'C' ? decodeCommandTag(message.body) : undefined;
        if (head?.kind === 'execute') {
          this.expectations.shift();
          head.statement.done({ rows: rowsFromCommandTag(tag ?? '') ?? head.statement.rows, tag });
        } else if (head?.kind === 'query') {
          head.statement.plan = undefined;
          head.statement.rows = rowsFromCommandTag(tag ?? '') ?? head.statement.rows;
        }
        this.write(typed(type, message.body));
        return;
      }
      case 'E':
        this.handleError(message.body, head);
        return;
      case 'Z': {
        const status = String.fromCharCode(message.body[0] ?? 0x49);
        this.transactionStatus = status === 'T' || status === 'E' ? status : 'I';
        const done = this.expectations.shift();
        if (done?.kind === 'query') done.statement.done({ rows: done.statement.rows, error: done.statement.errored ? 'error' : undefined });
        this.write(typed(type, message.body));
        if (this.expectations.length === 0) {
          const waiters = this.readyWaiters;
          this.readyWaiters = [];
          for (const resolve of waiters) resolve();
        }
        return;
      }
      case 'G':
        this.hooks.copyIn();
        this.write(typed(type, message.body));
        return;
      default:
        // COPY sub-protocol and anything else pass through untouched; COPY under masks is
        // denied by the engine before it can start.
        this.write(typed(type, message.body));
    }
  }

  private masking(head: Expectation | undefined): boolean {
    return (head?.kind === 'execute' || head?.kind === 'query') && head.statement.masks.size > 0;
  }

  private handleError(body: Buffer, head: Expectation | undefined): void {
    if (head?.kind === 'denial') {
      const fields = decodeFields(body);
      this.expectations.shift();
      head.statement.done({ rows: 0, error: 'denied' });
      // Our marker's syntax error is replaced by the policy's answer; a different error means
      // something earlier failed first, and that one is what the client must see.
      this.write((fields.get('M') ?? '').includes(head.marker) ? head.error : typed('E', body));
    } else if (head && this.masking(head) && (head.kind === 'execute' || head.kind === 'query')) {
      const fields = decodeFields(body);
      this.write(errorResponse({ severity: 'ERROR', code: fields.get('C') ?? 'XX000', message: 'statement failed (details hidden while masking applies)' }));
    } else {
      this.write(typed('E', body));
    }
    if (head?.kind === 'query') {
      head.statement.errored = true;
      return; // a simple query still ends with ReadyForQuery
    }
    if (head?.kind === 'execute') head.statement.done({ rows: head.statement.rows, error: 'error' });
    // After an error the server skips everything up to Sync; so do our expectations.
    while (this.expectations.length > 0 && this.expectations[0].kind !== 'sync') {
      const skipped = this.expectations.shift();
      if (skipped?.kind === 'execute' || skipped?.kind === 'denial') skipped.statement.done({ rows: 0, error: 'skipped after an earlier error' });
      if (skipped?.kind === 'describe') skipped.onDescription?.(undefined);
    }
  }
}
