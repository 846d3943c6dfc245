/**
 * Where the decision service remembers answers by request_id, so that a retry gets the same
 * answer and consumes nothing. Values are JSON-serialisable. The PostgreSQL StateStore
 * (engine/control/state) implements the same two methods for replicas that share retries.
 */
export interface IdempotencyStore {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T, ttlMs: number): Promise<void>;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

/**
 * One process's store: a Map kept in least-recently-used order (a get re-inserts the key),
 * bounded by `maxEntries` so a flood of distinct request ids cannot exhaust memory.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value as T;
  }

  async put<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
