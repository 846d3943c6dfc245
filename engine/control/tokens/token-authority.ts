import type { OidcVerifier } from '../identity/oidc-verifier.ts';
import type { StateStore } from '../state/state-store.ts';
import { KeyEncryptionError, KeyEncryptionKey } from './key-encryption-key.ts';
import { ScopedTokenGate } from './scoped-token-gate.ts';
import { SigningKeyRing } from './signing-key-ring.ts';
import { TokenIssuer } from './token-issuer.ts';

export interface TokenAuthorityOptions {
  store: StateStore;
  /** Required with a shared (PostgreSQL) store; the memory store makes an ephemeral one. */
  kek?: KeyEncryptionKey;
  /** `iss` of scoped tokens. Default `gatehouse`. */
  issuer?: string;
  oidc?: OidcVerifier;
  rotateAfterMs?: number;
  maxTokenTtlMs?: number;
  clock?: () => Date;
  log?: (message: string) => void;
}

/** The service's token machinery: signing keys, the issuer and the TokenGate, built together. */
export interface TokenAuthority {
  ring: SigningKeyRing;
  issuer: TokenIssuer;
  gate: ScopedTokenGate;
  close(): void;
}

export async function openTokenAuthority(options: TokenAuthorityOptions): Promise<TokenAuthority> {
  let kek = options.kek;
  if (!kek) {
    if (options.store.kind !== 'memory') {
      throw new KeyEncryptionError('a key-encryption key is required to share signing keys: set GATEHOUSE_KEK or --kek-file');
    }
    kek = KeyEncryptionKey.ephemeral();
  }
  if (options.store.kind === 'memory') {
    options.log?.('state is in memory: signing keys, approvals and token uses live only as long as this process; tokens stop verifying after a restart');
  }
  const ring = await SigningKeyRing.open({
    store: options.store,
    kek,
    ...(options.rotateAfterMs !== undefined ? { rotateAfterMs: options.rotateAfterMs } : {}),
    ...(options.maxTokenTtlMs !== undefined ? { maxTokenTtlMs: options.maxTokenTtlMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const issuerName = options.issuer ?? 'gatehouse';
  const issuer = new TokenIssuer({ ring, store: options.store, issuer: issuerName });
  const gate = new ScopedTokenGate({ ring, store: options.store, issuer: issuerName, ...(options.oidc ? { oidc: options.oidc } : {}) });
  return { ring, issuer, gate, close: () => ring.close() };
}
