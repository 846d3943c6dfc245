import { isJsonObject } from '../model/index.ts';
import type { DecideCall } from './decide-call.ts';
import { ResourceExhaustedError } from './request-errors.ts';

/**
 * Shares the service's decision capacity between sessions, so that a flood from some never
 * fails another's decision:
 *
 * - each session (a data plane's session_id; the stream or peer when absent) has at most
 *   `perSessionRunning` decisions running and `perSessionWaiting` waiting; one more is refused
 *   at once with RESOURCE_EXHAUSTED (a clear deny for that session, nothing evaluated);
 * - waiting decisions start round-robin across sessions, one per session per turn;
 * - heavy decisions (long SQL or command text, whose facts take the service thread for a long
 *   synchronous parse) run `maxHeavyRunning` at a time, so between two of them the event loop
 *   always gets to light ones from other sessions.
 */
export interface FairSchedulerOptions {
  perSessionRunning?: number;
  perSessionWaiting?: number;
  /** All running decisions together. */
  maxRunning?: number;
  maxHeavyRunning?: number;
}

export const DEFAULT_FAIR_SCHEDULER: Required<FairSchedulerOptions> = {
  perSessionRunning: 8,
  perSessionWaiting: 32,
  maxRunning: 256,
  maxHeavyRunning: 1,
};

/** Text (SQL or command) longer than this makes a decision heavy. */
export const HEAVY_TEXT_CHARS = 64 * 1024;

/** True when the call carries SQL or command text long enough for its facts to take a while. */
export function isHeavyCall(call: DecideCall): boolean {
  for (const key of ['sql', 'command']) {
    const value = call.context[key];
    if (isJsonObject(value) && typeof value.text === 'string' && value.text.length > HEAVY_TEXT_CHARS) return true;
  }
  return false;
}

interface Task {
  heavy: boolean;
  start: () => void;
}

interface SessionState {
  running: number;
  waiting: Task[];
  maxRunning: number;
}

/** Bounds for one key other than the per-session defaults. */
export interface SessionShare {
  running?: number;
  waiting?: number;
}

export class FairScheduler {
  readonly #o: Required<FairSchedulerOptions>;
  readonly #sessions = new Map<string, SessionState>();
  /** Sessions with waiting tasks, in round-robin order. */
  #ring: string[] = [];
  #running = 0;
  #heavyRunning = 0;

  constructor(options: FairSchedulerOptions = {}) {
    this.#o = { ...DEFAULT_FAIR_SCHEDULER, ...options };
  }

  /** Decisions running and waiting, for metrics and tests. */
  get load(): { running: number; heavyRunning: number; waiting: number; sessions: number } {
    let waiting = 0;
    for (const state of this.#sessions.values()) waiting += state.waiting.length;
    return { running: this.#running, heavyRunning: this.#heavyRunning, waiting, sessions: this.#sessions.size };
  }

  /**
   * Runs `work` when the session's turn comes; rejects with ResourceExhaustedError when its
   * queue is full. `share` overrides the per-session bounds, for traffic that names no session
   * (a whole stream or peer, bounded by its own flow control).
   */
  run<T>(session: string, heavy: boolean, work: () => Promise<T>, share: SessionShare = {}): Promise<T> {
    const state = this.#sessions.get(session) ?? { running: 0, waiting: [], maxRunning: this.#o.perSessionRunning };
    state.maxRunning = share.running ?? this.#o.perSessionRunning;
    if (state.waiting.length >= (share.waiting ?? this.#o.perSessionWaiting)) {
      return Promise.reject(
        new ResourceExhaustedError(
          `session ${printableSession(session)} has ${state.running} decisions running and ${state.waiting.length} waiting, its share of the service; ` +
            'wait for answers before sending more',
        ),
      );
    }
    this.#sessions.set(session, state);
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        heavy,
        start: () => {
          state.running++;
          this.#running++;
          if (heavy) this.#heavyRunning++;
          const finish = () => {
            state.running--;
            this.#running--;
            if (heavy) this.#heavyRunning--;
            if (state.running === 0 && state.waiting.length === 0) this.#sessions.delete(session);
            this.#pump();
          };
          let pending: Promise<T>;
          try {
            pending = work();
          } catch (error) {
            pending = Promise.reject(error);
          }
          pending.then(
            (value) => {
              finish();
              resolve(value);
            },
            (error: unknown) => {
              finish();
              reject(error);
            },
          );
        },
      };
      // The common case: nothing of this session waits and every bound has room, so a pump
      // would start this task in its first pass (what waits elsewhere could not start before and
      // still cannot): start it without queueing it.
      if (state.waiting.length === 0 && this.#fits(state, task)) {
        task.start();
        return;
      }
      state.waiting.push(task);
      if (state.waiting.length === 1) this.#ring.push(session);
      this.#pump();
    });
  }

  #fits(state: SessionState, task: Task): boolean {
    return state.running < state.maxRunning && this.#running < this.#o.maxRunning && (!task.heavy || this.#heavyRunning < this.#o.maxHeavyRunning);
  }

  /** Starts what may start, one task per session per pass, until a pass starts nothing. */
  #pump(): void {
    let progress = true;
    while (progress && this.#ring.length > 0 && this.#running < this.#o.maxRunning) {
      progress = false;
      const turn = this.#ring;
      // Sessions served in this pass go behind those that were not: the next free slot is theirs.
      const served: string[] = [];
      this.#ring = [];
      for (const session of turn) {
        const state = this.#sessions.get(session);
        const head = state?.waiting[0];
        if (!state || !head) continue;
        if (this.#fits(state, head)) {
          state.waiting.shift();
          head.start();
          progress = true;
          if (state.waiting.length > 0) served.push(session);
        } else {
          this.#ring.push(session);
        }
      }
      this.#ring.push(...served);
    }
  }
}

function printableSession(session: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(session) ? `"${session}"` : '(unnamed)';
}
