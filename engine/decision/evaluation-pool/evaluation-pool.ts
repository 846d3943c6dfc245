import type { Decision } from '../../model/index.ts';
import type { DecisionInput } from '../../model/index.ts';
import { EvaluationWorkerError, type GenerationState, type Pending, PoolWorker } from './pool-worker.ts';

export { EvaluationWorkerError };

export interface EvaluationPoolOptions {
  /** Number of worker threads (at least 1). */
  size: number;
  /** An evaluation unanswered this long counts as a hung worker: denied, worker replaced. Default 10 s. */
  timeoutMs?: number;
  /** Told when a worker dies, hangs or cannot load a generation (for logging). */
  onWorkerFailure?: (message: string) => void;
}

/** A bundle revision loaded in every worker; `release` drops it once nothing is pending on it. */
export interface PoolGeneration {
  readonly revision: string;
  evaluate(input: DecisionInput): Promise<Decision>;
  release(): void;
}

const RESTART_DELAY_MS = 1000;

/**
 * Worker threads that evaluate decisions with the prepared bundle of a generation, so the
 * engines (one synchronous WASM call chain per decision) use more cores than the service
 * thread. Requests of one turn of the event loop go to a worker in one message. Fails closed:
 * an evaluation on a worker that crashes or hangs is rejected (the caller denies) and the
 * worker is replaced with the live generations loaded.
 */
export class EvaluationPool {
  readonly #o: EvaluationPoolOptions;
  readonly #slots: PoolWorker[] = [];
  readonly #generations = new Map<number, GenerationState>();
  readonly #waiting: Pending[] = [];
  readonly #watchdog: NodeJS.Timeout;
  #nextGeneration = 1;
  #nextId = 1;
  #closed = false;

  private constructor(options: EvaluationPoolOptions) {
    this.#o = options;
    const timeout = options.timeoutMs ?? 10_000;
    this.#watchdog = setInterval(() => this.#checkHung(timeout), Math.max(10, Math.min(1000, timeout / 4)));
    this.#watchdog.unref();
  }

  static start(options: EvaluationPoolOptions): EvaluationPool {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('evaluation pool size must be a positive integer');
    const pool = new EvaluationPool(options);
    for (let i = 0; i < options.size; i++) pool.#slots.push(pool.#spawn(i));
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  /**
   * Loads the bundle file in every worker; resolves when all hold `revision`. When any worker
   * fails, the generation is dropped everywhere and this rejects: the caller keeps the active one.
   */
  async load(path: string, revision: string): Promise<PoolGeneration> {
    if (this.#closed) throw new EvaluationWorkerError('evaluation pool is closed');
    const state: GenerationState = { id: this.#nextGeneration++, path, revision, pending: 0, released: false };
    this.#generations.set(state.id, state);
    const results = await Promise.allSettled(this.#slots.map((slot) => slot.load(state)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.#drop(state);
      throw new EvaluationWorkerError(`evaluation worker could not load revision ${revision}: ${messageOf(failed.reason)}`);
    }
    return {
      revision,
      evaluate: (input) => this.#evaluate(state, input),
      release: () => {
        state.released = true;
        if (state.pending === 0) this.#drop(state);
      },
    };
  }

  /** Stops every worker; evaluations still pending are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const pending of this.#waiting.splice(0)) pending.reject(new EvaluationWorkerError('evaluation pool is closed'));
    await Promise.all(this.#slots.map((slot) => slot.stop('evaluation pool is closed')));
  }

  /** Kills one worker as a crash would (for tests and for operators chasing a stuck thread). */
  async killWorker(index: number): Promise<void> {
    await this.#slots[index]?.stop('evaluation worker was killed', true);
  }

  #evaluate(state: GenerationState, input: DecisionInput): Promise<Decision> {
    if (this.#closed) return Promise.reject(new EvaluationWorkerError('evaluation pool is closed'));
    if (state.released && state.pending === 0 && !this.#generations.has(state.id)) {
      return Promise.reject(new EvaluationWorkerError(`revision ${state.revision} is no longer loaded`));
    }
    state.pending++;
    return new Promise<Decision>((resolve, reject) => {
      const pending: Pending = {
        item: { id: this.#nextId++, generation: state.id, input },
        started: performance.now(),
        resolve: (decision) => {
          this.#settle(state);
          resolve(decision);
        },
        reject: (error) => {
          this.#settle(state);
          reject(error);
        },
      };
      this.#dispatch(pending);
    });
  }

  #settle(state: GenerationState): void {
    state.pending--;
    if (state.released && state.pending === 0) this.#drop(state);
  }

  #dispatch(pending: Pending): void {
    let best: PoolWorker | undefined;
    for (const slot of this.#slots) {
      if (slot.ready && (!best || slot.inFlight < best.inFlight)) best = slot;
    }
    if (best) best.send(pending);
    else this.#waiting.push(pending);
  }

  #drop(state: GenerationState): void {
    if (!this.#generations.delete(state.id)) return;
    for (const slot of this.#slots) slot.post({ type: 'drop', generation: state.id });
  }

  #checkHung(timeoutMs: number): void {
    const now = performance.now();
    for (const slot of this.#slots) {
      if (slot.oldestStart() < now - timeoutMs) void slot.stop(`evaluation worker did not answer within ${timeoutMs} ms`, true);
    }
    while (this.#waiting.length > 0 && this.#waiting[0].started < now - timeoutMs) {
      this.#waiting.shift()!.reject(new EvaluationWorkerError(`no evaluation worker became ready within ${timeoutMs} ms`));
    }
  }

  #spawn(index: number, replacement = false): PoolWorker {
    return new PoolWorker(
      {
        onReady: () => {
          for (const pending of this.#waiting.splice(0)) this.#dispatch(pending);
        },
        onDeath: (reason) => {
          this.#o.onWorkerFailure?.(`evaluation worker ${index}: ${reason}; replacing it`);
          if (!this.#closed) this.#replace(index);
        },
      },
      replacement,
    );
  }

  #replace(index: number): void {
    const slot = this.#spawn(index, true);
    this.#slots[index] = slot;
    const live = [...this.#generations.values()];
    Promise.all(live.map((state) => slot.load(state))).then(
      () => slot.markReady(),
      (error: unknown) => {
        this.#o.onWorkerFailure?.(`replacement evaluation worker ${index} could not load the live revisions: ${messageOf(error)}`);
        void slot.stop('replacement failed to load', false);
        const retry = setTimeout(() => {
          if (!this.#closed && this.#slots[index] === slot) this.#replace(index);
        }, RESTART_DELAY_MS);
        retry.unref();
      },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
