import type { ApprovalBinding } from '../../decision/index.ts';
import { GatehouseError, type JsonObject } from '../../model/index.ts';
import type { TokenFacts } from '../../model/index.ts';

/**
 * Everything Gatehouse replicas must share to behave as one (docs/architecture.md "Defaults"):
 * approvals, token uses, revocations, idempotency keys and the encrypted signing keys, plus
 * change notifications so that a waiting party on one replica sees a change made on another.
 * One implementation per real thing: memory (one process) and PostgreSQL (several replicas).
 */
export interface StateStore {
  readonly kind: 'memory' | 'postgres';

  /** Stores a new pending approval; a record with the same requestId already stored is returned instead. */
  createApproval(record: ApprovalRecord): Promise<ApprovalRecord>;
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  /** Newest first. */
  /** Newest first; with `expiredBy`, only those whose expiry is at or before it (oldest first). */
  listApprovals(filter: { status?: ApprovalStatus; limit?: number; expiredBy?: Date }): Promise<ApprovalRecord[]>;
  /**
   * Moves a pending approval to its final state, once: returns the updated record, or undefined
   * when it was no longer pending (someone else resolved it first). Notifies subscribers.
   */
  resolveApproval(id: string, resolution: ApprovalResolution): Promise<ApprovalRecord | undefined>;
  /** An approved approval with this binding hash whose window is open at `now`. */
  findApprovalWindow(bindingHash: string, now: Date): Promise<ApprovalRecord | undefined>;

  /** Remembers an issued scoped token (claims only, never the signed token). */
  recordIssuedToken(token: IssuedTokenRecord): Promise<void>;
  getIssuedToken(tokenId: string): Promise<IssuedTokenRecord | undefined>;
  /**
   * Consumes one use atomically across replicas: never more than `maxUses` succeed (no limit
   * when undefined). A repeated `requestId` for the same token consumes nothing and reports
   * the use it already had (`replayed: true`).
   */
  consumeTokenUse(request: { tokenId: string; requestId: string; maxUses?: number; expiresAt: Date }): Promise<TokenUseResult>;
  getTokenUses(tokenId: string): Promise<number>;

  revokeToken(tokenId: string, expiresAt: Date, at: Date): Promise<void>;
  /** Revokes every token of `subject` issued at or before `at`. */
  revokeSubject(subject: string, at: Date): Promise<void>;
  /** Reads the shared state every time: a revocation on any replica is seen at once. */
  findRevocation(token: { id: string; subject: string; issuedAt: Date }): Promise<string | undefined>;

  /** Idempotency keys (satisfies the decision service's IdempotencyStore). */
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T, ttlMs: number): Promise<void>;

  listSigningKeys(): Promise<StoredSigningKey[]>;
  /** Inserts a key; an existing kid is left unchanged. Notifies subscribers. */
  putSigningKey(key: StoredSigningKey): Promise<void>;
  deleteSigningKey(kid: string): Promise<void>;

  /** Deletes expired idempotency keys, redemptions, revocations and old resolved approvals. */
  purgeExpired(now: Date): Promise<void>;

  /** Change notifications (from this replica and, for PostgreSQL, from every other one). */
  subscribe(listener: (change: StateChange) => void): () => void;
  close(): Promise<void>;
}

/** How long a resolved approval (and its window) is kept after it ended; the audit trail keeps it for good. */
export const RESOLVED_APPROVAL_RETENTION_MS = 60 * 60_000;

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];

export interface ApprovalRecord {
  id: string;
  /** `decision`: a require_approval Decide; `token`: an IssueToken that policy sent for approval. */
  kind: 'decision' | 'token';
  status: ApprovalStatus;
  /** sha256 hex of the canonical JSON of the binding. */
  bindingHash: string;
  /** The held request; its text is stored redacted (the hash above covers the raw text). */
  binding: ApprovalBinding;
  /** True when redaction changed the text: the hash is then never shown (it would test password guesses). */
  textRedacted?: boolean;
  /** Identity that asked (the OIDC subject for token approvals); only it receives a minted token. */
  requestedBy: string;
  requestId?: string;
  decisionId?: string;
  sessionId?: string;
  /** The reasons of the decision that required approval. */
  reasons: string[];
  /** The evaluated decision input (verified token claims, never a raw token). */
  input: JsonObject;
  /** The scoped token the request carried; checked again at release. */
  token?: TokenFacts;
  /** For `token` approvals: the IssueToken request to mint on release. */
  issue?: JsonObject;
  createdAt: string;
  expiresAt: string;
  resolvedAt?: string;
  reviewer?: string;
  comment?: string;
  /** Until when requests with the same binding are allowed (approved with a window). */
  windowUntil?: string;
  /** Why it ended as it did when no reviewer said so (expiry, token check at release). */
  resolutionReason?: string;
  /** For approved `token` approvals: the claims signed for the requester (deterministic Ed25519). */
  mintedClaims?: JsonObject;
}

export interface ApprovalResolution {
  status: Exclude<ApprovalStatus, 'pending'>;
  resolvedAt: string;
  reviewer?: string;
  comment?: string;
  windowUntil?: string;
  resolutionReason?: string;
  mintedClaims?: JsonObject;
}

export interface IssuedTokenRecord {
  id: string;
  subject: string;
  executor?: string;
  issuedAt: string;
  expiresAt: string;
  maxUses?: number;
  claims: JsonObject;
}

export type TokenUseResult = { ok: true; uses: number; replayed: boolean } | { ok: false; uses: number };

/** A signing key as stored: the private key only encrypted with the key-encryption key. */
export interface StoredSigningKey {
  kid: string;
  alg: 'EdDSA';
  /** Public JWK (OKP/Ed25519). */
  publicJwk: JsonObject;
  /** AES-256-GCM envelope of the private JWK (see engine/control/tokens/key-encryption.ts). */
  encryptedPrivateKey: string;
  createdAt: string;
  /** New tokens are signed with the newest key whose signUntil is in the future. */
  signUntil: string;
  /** The key verifies until then (signUntil + the longest token TTL), then it is deleted. */
  verifyUntil: string;
}

export type StateChange =
  | { kind: 'approval'; id: string; status: ApprovalStatus }
  | { kind: 'revocation' }
  | { kind: 'signing-key'; kid: string };

export class StateStoreError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GATEHOUSE_STATE_UNAVAILABLE', message, options);
    this.name = 'StateStoreError';
  }
}
