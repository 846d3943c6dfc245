import { Worker } from 'node:worker_threads';
import { GatehouseError, type Decision } from '../../model/index.ts';
import type { EvaluationItem, FromWorker, ToWorker } from './pool-messages.ts';

/** An evaluation that did not come back from a worker (crash, hang, load failure, shutdown). */
export class EvaluationWorkerError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_EVALUATION_WORKER', message);
    this.name = 'EvaluationWorkerError';
  }
}

/** One evaluation handed to a worker, settled by its answer or by the worker's death. */
export interface Pending {
  item: EvaluationItem;
  started: number;
  resolve(decision: Decision): void;
  reject(error: Error): void;
}

/** A bundle revision as loaded in the workers; dropped once released and nothing is pending. */
export interface GenerationState {
  id: number;
  path: string;
  revision: string;
  pending: number;
  released: boolean;
}

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface PoolWorkerHooks {
  onReady(): void;
  /** The thread died (crash, kill, hang) while the pool was running. */
  onDeath(reason: string): void;
}

/** One worker thread with its outbox (flushed once per event-loop turn) and its in-flight requests. */
export class PoolWorker {
  readonly #worker: Worker;
  readonly #hooks: PoolWorkerHooks;
  readonly #inFlight = new Map<number, Pending>();
  readonly #loads = new Map<number, { resolve(): void; reject(error: Error): void }>();
  #outbox: EvaluationItem[] = [];
  #flushScheduled = false;
  #ready = false;
  #dead = false;
  /** Being terminated: answers still arriving are ignored, so its pending requests deny. */
  #stopping = false;
  /** Closed on purpose: no onDeath, nothing to replace. */
  #silent = false;
  #deathReason = 'evaluation worker exited';

  /** A replacement becomes ready only once every live generation is loaded (the pool marks it). */
  constructor(hooks: PoolWorkerHooks, readonly replacement: boolean) {
    this.#hooks = hooks;
    this.#worker = new Worker(WORKER_ENTRY);
    this.#worker.on('message', (message: FromWorker) => this.#receive(message));
    this.#worker.on('error', (error) => {
      this.#deathReason = `evaluation worker crashed: ${error.message}`;
    });
    this.#worker.on('exit', () => this.#died());
    this.#worker.unref();
  }

  /** Referenced only while something waits on it: an idle pool never keeps the process alive. */
  #updateRef(): void {
    if (this.#dead) return;
    if (this.#inFlight.size > 0 || this.#loads.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  get ready(): boolean {
    return this.#ready && !this.#dead && !this.#stopping;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** A fresh pool's workers are ready once their first generation loads; a replacement after all live ones. */
  markReady(): void {
    if (this.#dead) return;
    this.#ready = true;
    this.#hooks.onReady();
  }

  load(state: GenerationState): Promise<void> {
    if (this.#dead) return Promise.reject(new EvaluationWorkerError(this.#deathReason));
    return new Promise<void>((resolve, reject) => {
      this.#loads.set(state.id, {
        resolve: () => {
          resolve();
          if (!this.#ready && !this.replacement) this.markReady();
        },
        reject,
      });
      this.post({ type: 'load', generation: state.id, path: state.path, revision: state.revision });
      this.#updateRef();
    });
  }

  send(pending: Pending): void {
    if (this.#inFlight.size === 0) this.#worker.ref();
    this.#inFlight.set(pending.item.id, pending);
    this.#outbox.push(pending.item);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Control messages go after the evaluations already queued, keeping the per-port order. */
  post(message: ToWorker): void {
    if (this.#dead) return;
    this.#flush();
    this.#worker.postMessage(message);
  }

  oldestStart(): number {
    for (const pending of this.#inFlight.values()) return pending.started;
    return Infinity;
  }

  /** Terminates the thread; its pending requests are rejected. `asFailure` reports it as a death to replace. */
  async stop(reason: string, asFailure = false): Promise<void> {
    if (this.#dead || this.#stopping) return;
    this.#stopping = true;
    this.#deathReason = reason;
    if (!asFailure) this.#silent = true;
    await this.#worker.terminate();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#outbox.length === 0 || this.#dead || this.#stopping) return;
    const items = this.#outbox;
    this.#outbox = [];
    this.#worker.postMessage({ type: 'evaluate', items } satisfies ToWorker);
  }

  #receive(message: FromWorker): void {
    if (this.#stopping) return;
    if (message.type === 'loaded') {
      const waiter = this.#loads.get(message.generation);
      this.#loads.delete(message.generation);
      this.#updateRef();
      if (message.error === undefined) waiter?.resolve();
      else waiter?.reject(new EvaluationWorkerError(message.error));
      return;
    }
    for (const { id, decision } of message.results) {
      const pending = this.#inFlight.get(id);
      if (!pending) continue;
      this.#inFlight.delete(id);
      pending.resolve(decision);
    }
    if (this.#inFlight.size === 0) this.#worker.unref();
  }

  #died(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#ready = false;
    const error = new EvaluationWorkerError(`${this.#deathReason}; the request is denied`);
    for (const pending of this.#inFlight.values()) pending.reject(error);
    this.#inFlight.clear();
    this.#outbox = [];
    for (const waiter of this.#loads.values()) waiter.reject(error);
    this.#loads.clear();
    if (!this.#silent) this.#hooks.onDeath(this.#deathReason);
  }
}

