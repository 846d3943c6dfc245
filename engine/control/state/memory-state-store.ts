import type {
  ApprovalRecord,
  ApprovalResolution,
  ApprovalStatus,
  IssuedTokenRecord,
  StateChange,
  StateStore,
  StoredSigningKey,
  TokenUseResult,
} from './state-store.ts';
import { RESOLVED_APPROVAL_RETENTION_MS } from './state-store.ts';

/**
 * State for one process. Everything is lost on exit, including the signing keys, so tokens
 * issued before a restart stop verifying (the service logs this at start).
 */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  private readonly approvals = new Map<string, ApprovalRecord>();
  private readonly approvalByRequest = new Map<string, string>();
  private readonly issuedTokens = new Map<string, IssuedTokenRecord>();
  private readonly uses = new Map<string, number>();
  /** tokenId → requestId → the use number that request got. */
  private readonly redemptions = new Map<string, Map<string, number>>();
  private readonly tokenExpiry = new Map<string, number>();
  private readonly revokedTokens = new Map<string, { expiresAt: number; at: string }>();
  private readonly revokedSubjects = new Map<string, number>();
  private readonly idempotency = new Map<string, { value: unknown; expiresAt: number }>();
  private readonly signingKeys = new Map<string, StoredSigningKey>();
  private readonly listeners = new Set<(change: StateChange) => void>();

  async createApproval(record: ApprovalRecord): Promise<ApprovalRecord> {
    if (record.requestId !== undefined) {
      const existing = this.approvalByRequest.get(record.requestId);
      if (existing !== undefined) return clone(this.approvals.get(existing)!);
      this.approvalByRequest.set(record.requestId, record.id);
    }
    this.approvals.set(record.id, clone(record));
    this.emit({ kind: 'approval', id: record.id, status: record.status });
    return clone(record);
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const record = this.approvals.get(id);
    return record && clone(record);
  }

  async listApprovals(filter: { status?: ApprovalStatus; limit?: number; expiredBy?: Date }): Promise<ApprovalRecord[]> {
    const expiredBy = filter.expiredBy?.getTime();
    const all = [...this.approvals.values()]
      .filter((r) => filter.status === undefined || r.status === filter.status)
      .filter((r) => expiredBy === undefined || Date.parse(r.expiresAt) <= expiredBy)
      .sort((a, b) => (expiredBy === undefined ? b.createdAt.localeCompare(a.createdAt) : a.expiresAt.localeCompare(b.expiresAt)));
    return all.slice(0, filter.limit ?? 100).map(clone);
  }

  async resolveApproval(id: string, resolution: ApprovalResolution): Promise<ApprovalRecord | undefined> {
    const record = this.approvals.get(id);
    if (!record || record.status !== 'pending') return undefined;
    const updated: ApprovalRecord = { ...record, ...dropUndefined(resolution) };
    this.approvals.set(id, updated);
    this.emit({ kind: 'approval', id, status: updated.status });
    return clone(updated);
  }

  async findApprovalWindow(bindingHash: string, now: Date): Promise<ApprovalRecord | undefined> {
    for (const record of this.approvals.values()) {
      if (
        record.bindingHash === bindingHash &&
        record.status === 'approved' &&
        record.windowUntil !== undefined &&
        Date.parse(record.windowUntil) > now.getTime()
      ) {
        return clone(record);
      }
    }
    return undefined;
  }

  async recordIssuedToken(token: IssuedTokenRecord): Promise<void> {
    if (!this.issuedTokens.has(token.id)) this.issuedTokens.set(token.id, clone(token));
  }

  async getIssuedToken(tokenId: string): Promise<IssuedTokenRecord | undefined> {
    const token = this.issuedTokens.get(tokenId);
    return token && clone(token);
  }

  // Synchronous body: in one process this is atomic without locks.
  async consumeTokenUse(request: { tokenId: string; requestId: string; maxUses?: number; expiresAt: Date }): Promise<TokenUseResult> {
    const seen = this.redemptions.get(request.tokenId) ?? new Map<string, number>();
    const current = this.uses.get(request.tokenId) ?? 0;
    const earlier = seen.get(request.requestId);
    if (earlier !== undefined) return { ok: true, uses: earlier, replayed: true };
    if (request.maxUses !== undefined && current >= request.maxUses) return { ok: false, uses: current };
    const uses = current + 1;
    this.uses.set(request.tokenId, uses);
    seen.set(request.requestId, uses);
    this.redemptions.set(request.tokenId, seen);
    this.tokenExpiry.set(request.tokenId, request.expiresAt.getTime());
    return { ok: true, uses, replayed: false };
  }

  async getTokenUses(tokenId: string): Promise<number> {
    return this.uses.get(tokenId) ?? 0;
  }

  async revokeToken(tokenId: string, expiresAt: Date, at: Date): Promise<void> {
    this.revokedTokens.set(tokenId, { expiresAt: expiresAt.getTime(), at: at.toISOString() });
    this.emit({ kind: 'revocation' });
  }

  async revokeSubject(subject: string, at: Date): Promise<void> {
    this.revokedSubjects.set(subject, Math.max(this.revokedSubjects.get(subject) ?? 0, at.getTime()));
    this.emit({ kind: 'revocation' });
  }

  async findRevocation(token: { id: string; subject: string; issuedAt: Date }): Promise<string | undefined> {
    const revoked = this.revokedTokens.get(token.id);
    if (revoked) return `token ${token.id} was revoked at ${revoked.at}`;
    const before = this.revokedSubjects.get(token.subject);
    if (before !== undefined && token.issuedAt.getTime() <= before) {
      return `every token of subject ${token.subject} issued before ${new Date(before).toISOString()} was revoked`;
    }
    return undefined;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.idempotency.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.idempotency.delete(key);
      return undefined;
    }
    return clone(entry.value) as T;
  }

  async put<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.idempotency.set(key, { value: clone(value), expiresAt: Date.now() + ttlMs });
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    return [...this.signingKeys.values()].map(clone);
  }

  async putSigningKey(key: StoredSigningKey): Promise<void> {
    if (this.signingKeys.has(key.kid)) return;
    this.signingKeys.set(key.kid, clone(key));
    this.emit({ kind: 'signing-key', kid: key.kid });
  }

  async deleteSigningKey(kid: string): Promise<void> {
    this.signingKeys.delete(kid);
  }

  async purgeExpired(now: Date): Promise<void> {
    const t = now.getTime();
    for (const [key, entry] of this.idempotency) if (entry.expiresAt <= t) this.idempotency.delete(key);
    for (const [id, entry] of this.revokedTokens) if (entry.expiresAt <= t) this.revokedTokens.delete(id);
    for (const [id, expiresAt] of this.tokenExpiry) {
      if (expiresAt <= t) {
        this.tokenExpiry.delete(id);
        this.redemptions.delete(id);
        this.uses.delete(id);
      }
    }
    for (const [id, token] of this.issuedTokens) if (Date.parse(token.expiresAt) <= t) this.issuedTokens.delete(id);
    // Clients create approvals at will (each holds a whole request): resolved ones must not pile up.
    const cutoff = t - RESOLVED_APPROVAL_RETENTION_MS;
    for (const [id, record] of this.approvals) {
      if (record.status === 'pending') continue;
      const ended = Math.max(Date.parse(record.resolvedAt ?? record.expiresAt), record.windowUntil ? Date.parse(record.windowUntil) : 0);
      if (ended > cutoff) continue;
      this.approvals.delete(id);
      if (record.requestId !== undefined && this.approvalByRequest.get(record.requestId) === id) this.approvalByRequest.delete(record.requestId);
    }
  }

  subscribe(listener: (change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private emit(change: StateChange): void {
    // Delivered asynchronously, like a NOTIFY, so callers never re-enter the store mid-update.
    for (const listener of [...this.listeners]) queueMicrotask(() => listener(change));
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
