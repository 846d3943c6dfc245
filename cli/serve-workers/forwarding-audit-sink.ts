import { AuditUnavailableError, type AuditEvent, type AuditEventDraft, type AuditSink } from '../../audit/index.ts';
import { isPrimaryMessage, type AuditAppendRequest } from './worker-messages.ts';

/** The worker's end of the IPC channel to the primary (`process` in a cluster worker). */
export interface PrimaryChannel {
  readonly connected: boolean;
  send?(message: unknown, sendHandle: undefined, options: undefined, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

interface Pending {
  draft: AuditEventDraft;
  resolve(event: AuditEvent): void;
  reject(error: Error): void;
}

/**
 * A worker's audit sink: every draft goes to the primary, which owns the one sink and hash chain
 * of the service, and the append resolves with the event as the primary wrote it. Fails closed:
 * when the channel to the primary is gone (it died or is stopping), every pending and later
 * append rejects with AuditUnavailableError, so the pipeline denies instead of waiting.
 */
export class ForwardingAuditSink implements AuditSink {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closedReason: string | undefined;

  constructor(private readonly channel: PrimaryChannel = process) {
    channel.on('message', (message: unknown) => {
      if (!isPrimaryMessage(message) || message.type !== 'gatehouse:audit-result') return;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if ('envelope' in message) pending.resolve({ ...message.envelope, data: pending.draft.data });
      else pending.reject(new AuditUnavailableError(`primary could not write the audit event: ${message.error}`));
    });
    channel.once('disconnect', () => this.#failAll('the primary process is gone'));
  }

  append(draft: AuditEventDraft): Promise<AuditEvent> {
    if (this.#closedReason !== undefined || !this.channel.connected || !this.channel.send) {
      return Promise.reject(new AuditUnavailableError(`audit unavailable: ${this.#closedReason ?? 'the primary process is gone'}`));
    }
    const id = this.#nextId++;
    const request: AuditAppendRequest = { type: 'gatehouse:audit-append', id, draft };
    return new Promise<AuditEvent>((resolve, reject) => {
      this.#pending.set(id, { draft, resolve, reject });
      this.channel.send!(request, undefined, undefined, (error: Error | null) => {
        if (!error) return;
        this.#pending.delete(id);
        reject(new AuditUnavailableError(`audit event not sent to the primary: ${error.message}`, { cause: error }));
      });
    });
  }

  /** The primary flushes the sink; a worker only stops accepting drafts after its calls finished. */
  async close(): Promise<void> {
    this.#failAll('the worker is stopping');
  }

  #failAll(reason: string): void {
    this.#closedReason ??= reason;
    for (const pending of this.#pending.values()) pending.reject(new AuditUnavailableError(`audit unavailable: ${reason}`));
    this.#pending.clear();
  }
}
