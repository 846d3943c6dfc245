import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventDraft } from './audit-event.ts';
import { AuditUnavailableError, type AuditSink } from './audit-sink.ts';
import type { AuditLogger } from './audit-logger.ts';
import type { AuditMetrics } from './audit-metrics.ts';
import { chainEvent, type ChainState, type PendingEvent } from './hash-chain.ts';

/** Where chained lines go: a single file, or the journal's segments. All-or-nothing per call. */
export interface LineStore {
  /** A name for messages and metrics: `file:PATH` or `journal:DIR`. */
  readonly label: string;
  /** `state` is the chain state after the last of these lines (the file sink indexes it). */
  appendLines(data: Buffer, count: number, state: ChainState): Promise<void>;
  close(): Promise<void>;
}

export interface ChainedAppenderOptions {
  source: string;
  /** When false, events that cannot be written are dropped (counted, logged) instead of rejected. */
  required: boolean;
  metrics: AuditMetrics;
  logger: AuditLogger;
  sinkName: string;
}

interface Waiter {
  pending: PendingEvent;
  resolve: (event: AuditEvent) => void;
  reject: (error: unknown) => void;
}

/**
 * Turns drafts into chained CloudEvents lines and writes them in groups: every append that
 * arrives while a write is in flight joins the next write. The chain advances only when a
 * write succeeds, so a failed write leaves no hole in it.
 */
export class ChainedAppender implements AuditSink {
  #queue: Waiter[] = [];
  #writing = false;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;

  constructor(
    private readonly store: LineStore,
    private state: ChainState,
    private readonly options: ChainedAppenderOptions,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  get chainState(): ChainState {
    return this.state;
  }

  append(draft: AuditEventDraft): Promise<AuditEvent> {
    if (this.#closed) return Promise.reject(new AuditUnavailableError(`audit sink ${this.store.label} is closed`));
    const recordedtime = new Date().toISOString();
    const pending: PendingEvent = { id: randomUUID(), time: draft.time ?? recordedtime, recordedtime, draft };
    return new Promise<AuditEvent>((resolve, reject) => {
      this.#queue.push({ pending, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    this.#idle = new Promise((resolve) => (this.#markIdle = resolve));
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        await this.#writeBatch(batch);
      }
    } finally {
      this.#writing = false;
      this.#markIdle();
    }
  }

  async #writeBatch(batch: Waiter[]): Promise<void> {
    let state = this.state;
    const events: AuditEvent[] = [];
    const lines: string[] = [];
    try {
      for (const waiter of batch) {
        const built = chainEvent(waiter.pending, this.options.source, state);
        events.push(built.event);
        lines.push(built.line);
        state = built.next;
      }
      await this.store.appendLines(Buffer.from(lines.join('\n') + '\n', 'utf8'), lines.length, state);
    } catch (error) {
      this.#fail(batch, events, error);
      return;
    }
    this.state = state;
    this.options.metrics.appended.inc({ sink: this.options.sinkName }, batch.length);
    batch.forEach((waiter, i) => waiter.resolve(events[i]!));
  }

  #fail(batch: Waiter[], events: AuditEvent[], error: unknown): void {
    const unavailable =
      error instanceof AuditUnavailableError
        ? error
        : new AuditUnavailableError(`audit ${this.store.label} cannot be written: ${errorText(error)}`, { cause: error });
    if (this.options.required) {
      this.options.logger.error({ err: unavailable.message, events: batch.length }, 'audit events not written; decisions fail closed');
      for (const waiter of batch) waiter.reject(unavailable);
      return;
    }
    this.options.metrics.dropped.inc({ sink: this.options.sinkName }, batch.length);
    this.options.logger.error(
      { err: unavailable.message, dropped: batch.length, ids: batch.map((w) => w.pending.id) },
      'audit events dropped (audit not required)',
    );
    batch.forEach((waiter, i) => waiter.resolve(events[i] ?? chainEvent(waiter.pending, this.options.source, this.state).event));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#idle;
    try {
      await this.onClose();
    } finally {
      await this.store.close();
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
