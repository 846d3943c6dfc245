import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { JsonObject } from '../../model/index.ts';
import type { StateStore, StoredSigningKey } from '../state/state-store.ts';
import { KeyEncryptionError, type KeyEncryptionKey } from './key-encryption-key.ts';

export interface SigningKeyRingOptions {
  store: StateStore;
  kek: KeyEncryptionKey;
  /** A key signs new tokens for this long, then a new one is generated. Default 24 h. */
  rotateAfterMs?: number;
  /** The longest token TTL the service issues; an old key verifies this long after it stops signing. Default 24 h. */
  maxTokenTtlMs?: number;
  clock?: () => Date;
}

interface LoadedKey {
  record: StoredSigningKey;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

/** How often an unknown `kid` may trigger a reload from the store (a forged kid must not hammer it). */
const RELOAD_COOLDOWN_MS = 5_000;

/**
 * The service's Ed25519 signing keys. Generated on first start, rotated on a schedule, kept
 * for verification until every token they signed has expired, shared by replicas through the
 * state store with the private half encrypted by the key-encryption key.
 */
export class SigningKeyRing {
  private keys = new Map<string, LoadedKey>();
  private lastReload = 0;
  private readonly rotateAfterMs: number;
  readonly maxTokenTtlMs: number;
  private readonly clock: () => Date;
  private unsubscribe: (() => void) | undefined;

  private constructor(private readonly options: SigningKeyRingOptions) {
    this.rotateAfterMs = options.rotateAfterMs ?? 24 * 3600_000;
    this.maxTokenTtlMs = options.maxTokenTtlMs ?? 24 * 3600_000;
    this.clock = options.clock ?? (() => new Date());
  }

  static async open(options: SigningKeyRingOptions): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(options);
    await ring.reload();
    await ring.signingKey();
    ring.unsubscribe = options.store.subscribe((change) => {
      if (change.kind === 'signing-key' && !ring.keys.has(change.kid)) void ring.reload().catch(() => undefined);
    });
    return ring;
  }

  /** The key new tokens are signed with; generates the first or the next one when due. */
  async signingKey(): Promise<{ kid: string; privateKey: CryptoKey }> {
    const now = this.clock().getTime();
    let current = this.newestSigningKey(now);
    if (!current) {
      await this.reload();
      current = this.newestSigningKey(now) ?? (await this.generate());
    }
    return { kid: current.record.kid, privateKey: current.privateKey };
  }

  /** The public key for `kid`, reloading from the store (rate-limited) when it is unknown. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    let key = this.keys.get(kid);
    if (!key && Date.now() - this.lastReload >= RELOAD_COOLDOWN_MS) {
      await this.reload();
      key = this.keys.get(kid);
    }
    if (!key || Date.parse(key.record.verifyUntil) <= this.clock().getTime()) return undefined;
    return key.publicKey;
  }

  /** The public keys that still verify, as a JWKS document. */
  jwks(): { keys: JsonObject[] } {
    const now = this.clock().getTime();
    return {
      keys: [...this.keys.values()]
        .filter((key) => Date.parse(key.record.verifyUntil) > now)
        .map((key) => ({ ...key.record.publicJwk, kid: key.record.kid, alg: 'EdDSA', use: 'sig' })),
    };
  }

  /** Deletes keys past their verification period; any replica may do it. */
  async retireExpired(): Promise<void> {
    const now = this.clock().getTime();
    for (const key of [...this.keys.values()]) {
      if (Date.parse(key.record.verifyUntil) <= now) {
        await this.options.store.deleteSigningKey(key.record.kid);
        this.keys.delete(key.record.kid);
      }
    }
  }

  close(): void {
    this.unsubscribe?.();
  }

  private newestSigningKey(now: number): LoadedKey | undefined {
    return [...this.keys.values()]
      .filter((key) => Date.parse(key.record.signUntil) > now && Date.parse(key.record.createdAt) <= now + 60_000)
      .sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt) || a.record.kid.localeCompare(b.record.kid))[0];
  }

  private async reload(): Promise<void> {
    this.lastReload = Date.now();
    const next = new Map<string, LoadedKey>();
    for (const record of await this.options.store.listSigningKeys()) {
      const known = this.keys.get(record.kid);
      next.set(record.kid, known ?? (await this.load(record)));
    }
    this.keys = next;
  }

  private async load(record: StoredSigningKey): Promise<LoadedKey> {
    const privateJwk = JSON.parse(this.options.kek.open(record.encryptedPrivateKey, record.kid).toString('utf8')) as JWK;
    // Only the private half is authenticated by the KEK: a stored public key that is not the
    // private key's own would let whoever can write the store make their signatures verify.
    const publicJwk = record.publicJwk as JWK;
    if (publicJwk.kty !== privateJwk.kty || publicJwk.crv !== privateJwk.crv || publicJwk.x !== privateJwk.x) {
      throw new KeyEncryptionError(`signing key ${record.kid}: the stored public key does not match its encrypted private key (tampered record)`);
    }
    return {
      record,
      privateKey: (await importJWK(privateJwk, 'EdDSA')) as CryptoKey,
      publicKey: (await importJWK(record.publicJwk as JWK, 'EdDSA')) as CryptoKey,
    };
  }

  private async generate(): Promise<LoadedKey> {
    const { publicKey, privateKey } = await generateKeyPair('Ed25519', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    const now = this.clock().getTime();
    const record: StoredSigningKey = {
      kid,
      alg: 'EdDSA',
      publicJwk: { kty: publicJwk.kty!, crv: publicJwk.crv!, x: publicJwk.x! },
      encryptedPrivateKey: this.options.kek.seal(Buffer.from(JSON.stringify(privateJwk), 'utf8'), kid),
      createdAt: new Date(now).toISOString(),
      signUntil: new Date(now + this.rotateAfterMs).toISOString(),
      verifyUntil: new Date(now + this.rotateAfterMs + this.maxTokenTtlMs).toISOString(),
    };
    await this.options.store.putSigningKey(record);
    const loaded: LoadedKey = { record, publicKey, privateKey };
    this.keys.set(kid, loaded);
    return loaded;
  }
}
