import { createHash } from 'node:crypto';
import type { CryptoKey } from 'jose';
import type { ScopedTokenClaims } from './scoped-token-claims.ts';

/** Default bound: distinct tokens in use at once on one service (a proxy session holds one). */
export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

interface Entry {
  kid: string;
  /** The key object the signature verified with: a hit needs the ring to still hand out this one. */
  key: CryptoKey;
  claims: ScopedTokenClaims;
}

/**
 * Remembers which exact token strings already passed the EdDSA signature check, so that a
 * proxy session deciding every statement with the same token pays the signature once (about
 * 90 µs on the service thread plus a thread-pool hop, docs/performance.md "PostgreSQL proxy").
 *
 * It caches only what cannot change for the same bytes: that these header+payload bytes were
 * signed by the key `kid` and parse to these claims. Everything that can change is still
 * checked by the caller on every call: that the ring still trusts that very key (retired,
 * expired or replaced keys miss), the time window, audience, scope, constraints, revocation
 * and uses. Keys are a SHA-256 of the raw token; the raw token is never stored. Cached claims
 * are deep-frozen because every hit hands the same object out.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = DEFAULT_VERIFIED_TOKEN_CACHE_SIZE) {}

  static keyOf(raw: string): string {
    return createHash('sha256').update(raw).digest('base64url');
  }

  get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry) {
      // Least recently used first in insertion order: refresh on use.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, kid: string, verificationKey: CryptoKey, claims: ScopedTokenClaims): void {
    if (this.maxEntries <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { kid, key: verificationKey, claims: deepFreeze(structuredClone(claims)) });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
