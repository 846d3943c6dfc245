import { Worker } from 'node:worker_threads';
import type { AuditLogger } from './audit-logger.ts';
import type { AuditMetrics } from './audit-metrics.ts';
import type { Journal } from './journal.ts';
import { defaultBatchBytes, type KafkaConnectionOptions } from './kafka-spec.ts';
import type { FromShipper, ShipperWorkerInit, ToShipper } from './shipper-messages.ts';
import { SharedJournalEnd } from './shared-journal-end.ts';

const WORKER_ENTRY = new URL('./shipper-worker-entry.mjs', import.meta.url);
const RESTART_DELAY_MS = 1000;

export interface ShipperThreadOptions {
  kafka: KafkaConnectionOptions;
  logger: AuditLogger;
  metrics: AuditMetrics;
  /** Journal bytes per Kafka batch (default 1 MiB with gzip, 512 KiB without). */
  batchBytes?: number;
  /** See KafkaShipperOptions.lingerMs (default 20 ms). */
  lingerMs?: number;
  /** See KafkaShipperOptions.compressMinBytes (default 256 KiB). */
  compressMinBytes?: number;
  /** Idle poll interval of the shipper thread (default 200 ms). */
  pollMs?: number;
}

/**
 * The service side of the Kafka shipper, which runs in a worker thread (shipper-worker.ts) so
 * that the Kafka client's encoding (and gzip, synchronous in it) does not delay decisions: this thread only appends to the journal and
 * publishes where the journal now ends (shared memory; a message only to wake an idle worker). The worker reads the journal files, sends with
 * acks=all, and reports each acknowledged batch; only then is the position committed here
 * (the Journal writes shipped.json and deletes shipped segments, as it owns the directory). A
 * worker that dies is replaced from the committed position: the journal keeps every event.
 */
export class ShipperThread {
  #worker: Worker | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #commits: Promise<void> = Promise.resolve();
  #flushing = 0;
  /** Bytes appended since the worker was last posted to. */
  #sincePost = 0;
  #ready: Promise<void> = Promise.resolve();
  #markReady: () => void = () => undefined;
  readonly #end = new SharedJournalEnd();
  readonly #batchBytes: number;

  constructor(
    private readonly journal: Journal,
    private readonly options: ShipperThreadOptions,
  ) {
    this.#batchBytes = options.batchBytes ?? defaultBatchBytes(options.kafka);
    this.#end.publish(journal.endPosition);
    journal.on('appended', (bytes: number) => this.#onAppended(bytes));
  }

  start(): void {
    if (this.#worker === undefined && !this.#stopping) this.#spawn();
  }

  /**
   * Resolves once the current shipper thread has loaded and started shipping (or has exited):
   * awaited at open, so that what is appended right away does not wait for the thread's start
   * inside the close budget.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The current shipper thread (tests terminate it to check that it is replaced). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** True when everything appended so far has been acknowledged. */
  get caughtUp(): boolean {
    return this.journal.unshippedBytes === 0;
  }

  /** Waits until everything appended so far is shipped, or `timeoutMs` passes; resolves whether it did. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#setFlushing(1);
    try {
      while (!this.caughtUp && Date.now() < deadline && !this.#stopping) await sleep(20);
    } finally {
      this.#setFlushing(-1);
    }
    return this.caughtUp;
  }

  /**
   * Lets the worker finish the batch in flight, commits what it acknowledged, and ends the
   * thread. A batch that is still not acknowledged after `timeoutMs` (a broker that is down
   * keeps the client retrying) is abandoned: the thread is terminated and the batch stays in
   * the journal, shipped again at the next start (a duplicate at worst, never a loss).
   */
  async stop(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#post({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const expired = Number.isFinite(timeoutMs)
      ? new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeoutMs)))
      : new Promise<'expired'>(() => undefined);
    const outcome = await Promise.race([this.#exited.then(() => 'exited' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      this.options.logger.warn({ lagBytes: this.journal.unshippedBytes }, 'audit shipper: stop budget spent with a batch in flight; it stays in the journal');
      await this.#worker?.terminate();
      await this.#exited;
    }
    await this.#commits;
  }

  #spawn(): void {
    const init: ShipperWorkerInit = {
      dir: this.journal.dir,
      kafka: this.options.kafka,
      start: this.journal.shippedPosition,
      end: this.#end.buffer,
      batchBytes: this.#batchBytes,
      lingerMs: this.options.lingerMs,
      compressMinBytes: this.options.compressMinBytes,
      pollMs: this.options.pollMs,
    };
    const worker = new Worker(WORKER_ENTRY, { workerData: init });
    this.#worker = worker;
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    let failure = '';
    worker.on('message', (message: FromShipper) => this.#receive(worker, message));
    worker.on('error', (error) => (failure = error.message));
    this.#exited = new Promise((resolve) =>
      worker.on('exit', (code) => {
        if (this.#worker === worker) this.#worker = undefined;
        this.#markReady();
        if (!this.#stopping) this.#died(code, failure);
        resolve();
      }),
    );
    if (this.#flushing > 0) this.#post({ type: 'flushing', delta: this.#flushing });
  }

  #died(code: number, failure: string): void {
    this.options.metrics.shipErrors.inc();
    this.options.logger.error(
      { code, err: failure || undefined, lagBytes: this.journal.unshippedBytes },
      'audit shipper thread exited; it is restarted from the committed position (the journal keeps every event)',
    );
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      // the replacement starts where the acknowledged batches end, not before the last commit lands
      void this.#commits.then(() => this.start());
    }, RESTART_DELAY_MS);
  }

  #receive(worker: Worker, message: FromShipper): void {
    switch (message.type) {
      case 'acknowledged': {
        for (const [topic, count] of message.shipped) this.options.metrics.shipped.inc({ topic }, count);
        const { next } = message;
        this.#commits = this.#commits
          .then(() => this.journal.commit(next))
          .catch((error: unknown) => this.options.logger.warn({ err: String(error) }, 'audit journal: shipped segments not deleted; tried again at the next commit'))
          .then(() => this.#updateLag());
        break;
      }
      case 'failure':
        this.options.metrics.shipErrors.inc();
        this.#updateLag();
        this.options.logger.warn(
          { err: message.error, failures: message.failures, lagBytes: this.journal.unshippedBytes },
          'audit shipper: batch not acknowledged; the journal keeps it and the batch is retried',
        );
        break;
      case 'log':
        this.options.logger[message.level](message.object, message.message);
        break;
      case 'ready':
        this.#markReady();
        break;
      case 'stopped':
        void worker.terminate();
        break;
    }
  }

  /**
   * Costs this thread a few shared-memory stores per append; a message goes to the worker only
   * when it waits for appends (idle) or a full batch is waiting behind its linger.
   */
  #onAppended(bytes: number): void {
    this.#end.publish(this.journal.endPosition);
    this.options.metrics.lagBytes.set(this.journal.unshippedBytes);
    this.#sincePost += bytes;
    if (this.#end.takeWaiting() || this.#sincePost >= this.#batchBytes) {
      this.#sincePost = 0;
      this.#post({ type: 'appended' });
    }
  }

  #setFlushing(delta: number): void {
    this.#flushing += delta;
    this.#post({ type: 'flushing', delta });
  }

  #post(message: ToShipper): void {
    this.#worker?.postMessage(message);
  }

  #updateLag(): void {
    this.options.metrics.lagBytes.set(this.journal.unshippedBytes);
    this.options.metrics.journalBytes.set(this.journal.totalBytes);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
