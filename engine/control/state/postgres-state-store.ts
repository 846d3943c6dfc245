import pg from 'pg';
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
import { RESOLVED_APPROVAL_RETENTION_MS, StateStoreError } from './state-store.ts';
import { migratePostgresState } from './postgres-state-schema.ts';

const CHANNEL = 'gatehouse_state';

/**
 * State shared by every replica through one PostgreSQL database. Atomicity comes from single
 * statements (use counting is one UPDATE … WHERE uses < max_uses), change notifications from
 * LISTEN/NOTIFY on a dedicated connection. Nothing is cached: a revocation is seen at once.
 */
export class PostgresStateStore implements StateStore {
  readonly kind = 'postgres';
  private readonly listeners = new Set<(change: StateChange) => void>();
  private listener: pg.Client | undefined;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  static async connect(url: string): Promise<PostgresStateStore> {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const store = new PostgresStateStore(pool, url);
    try {
      await migratePostgresState(pool);
      await store.listen();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new StateStoreError(`cannot use PostgreSQL state store: ${describe(error)}`, { cause: error });
    }
    return store;
  }

  async createApproval(record: ApprovalRecord): Promise<ApprovalRecord> {
    const inserted = await this.query<{ record: ApprovalRecord }>(
      `INSERT INTO gatehouse_approvals (id, request_id, binding_hash, status, created_at, expires_at, record)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (request_id) DO NOTHING RETURNING record`,
      [record.id, record.requestId ?? null, record.bindingHash, record.status, record.createdAt, record.expiresAt, record],
    );
    if (inserted.rows[0]) {
      await this.notify({ kind: 'approval', id: record.id, status: record.status });
      return inserted.rows[0].record;
    }
    const existing = await this.query<{ record: ApprovalRecord }>(`SELECT record FROM gatehouse_approvals WHERE request_id = $1`, [record.requestId]);
    if (!existing.rows[0]) throw new StateStoreError(`approval for request ${record.requestId} vanished while being created`);
    return existing.rows[0].record;
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const result = await this.query<{ record: ApprovalRecord }>(`SELECT record FROM gatehouse_approvals WHERE id = $1`, [id]);
    return result.rows[0]?.record;
  }

  async listApprovals(filter: { status?: ApprovalStatus; limit?: number; expiredBy?: Date }): Promise<ApprovalRecord[]> {
    const result = filter.expiredBy
      ? await this.query<{ record: ApprovalRecord }>(
          `SELECT record FROM gatehouse_approvals WHERE ($1::text IS NULL OR status = $1) AND expires_at <= $3 ORDER BY expires_at, id LIMIT $2`,
          [filter.status ?? null, filter.limit ?? 100, filter.expiredBy],
        )
      : await this.query<{ record: ApprovalRecord }>(
          `SELECT record FROM gatehouse_approvals WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, id LIMIT $2`,
          [filter.status ?? null, filter.limit ?? 100],
        );
    return result.rows.map((row) => row.record);
  }

  async resolveApproval(id: string, resolution: ApprovalResolution): Promise<ApprovalRecord | undefined> {
    const patch = Object.fromEntries(Object.entries(resolution).filter(([, v]) => v !== undefined));
    const result = await this.query<{ record: ApprovalRecord }>(
      `UPDATE gatehouse_approvals SET status = $2, window_until = $3, record = record || $4::jsonb
       WHERE id = $1 AND status = 'pending' RETURNING record`,
      [id, resolution.status, resolution.windowUntil ?? null, JSON.stringify(patch)],
    );
    const record = result.rows[0]?.record;
    if (record) await this.notify({ kind: 'approval', id, status: record.status });
    return record;
  }

  async findApprovalWindow(bindingHash: string, now: Date): Promise<ApprovalRecord | undefined> {
    const result = await this.query<{ record: ApprovalRecord }>(
      `SELECT record FROM gatehouse_approvals
       WHERE binding_hash = $1 AND status = 'approved' AND window_until > $2 ORDER BY window_until DESC LIMIT 1`,
      [bindingHash, now],
    );
    return result.rows[0]?.record;
  }

  async recordIssuedToken(token: IssuedTokenRecord): Promise<void> {
    await this.query(
      `INSERT INTO gatehouse_issued_tokens (id, subject, expires_at, record) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [token.id, token.subject, token.expiresAt, token],
    );
  }

  async getIssuedToken(tokenId: string): Promise<IssuedTokenRecord | undefined> {
    const result = await this.query<{ record: IssuedTokenRecord }>(`SELECT record FROM gatehouse_issued_tokens WHERE id = $1`, [tokenId]);
    return result.rows[0]?.record;
  }

  async consumeTokenUse(request: { tokenId: string; requestId: string; maxUses?: number; expiresAt: Date }): Promise<TokenUseResult> {
    const client = await this.checkout();
    try {
      await client.query('BEGIN');
      // A concurrent retry with the same request id waits on this row's unique index, then sees it.
      const redemption = await client.query(
        `INSERT INTO gatehouse_token_redemptions (token_id, request_id, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (token_id, request_id) DO NOTHING RETURNING token_id`,
        [request.tokenId, request.requestId, request.expiresAt],
      );
      if (redemption.rowCount === 0) {
        await client.query('ROLLBACK');
        // Reads on the same client: taking a second pool connection while holding this one could exhaust the pool.
        const earlier = await client.query<{ use_number: number | null }>(
          `SELECT use_number FROM gatehouse_token_redemptions WHERE token_id = $1 AND request_id = $2`,
          [request.tokenId, request.requestId],
        );
        const uses = earlier.rows[0]?.use_number ?? (await this.usesOn(client, request.tokenId));
        return { ok: true, uses, replayed: true };
      }
      await client.query(
        `INSERT INTO gatehouse_token_uses (token_id, uses, expires_at) VALUES ($1, 0, $2) ON CONFLICT (token_id) DO NOTHING`,
        [request.tokenId, request.expiresAt],
      );
      // The one statement that enforces the limit: under READ COMMITTED a concurrent UPDATE
      // waits for the row lock and re-checks `uses < max` against the committed count.
      const counted = await client.query<{ uses: number }>(
        `UPDATE gatehouse_token_uses SET uses = uses + 1
         WHERE token_id = $1 AND ($2::int IS NULL OR uses < $2) RETURNING uses`,
        [request.tokenId, request.maxUses ?? null],
      );
      const uses = counted.rows[0]?.uses;
      if (uses === undefined) {
        await client.query('ROLLBACK');
        return { ok: false, uses: await this.usesOn(client, request.tokenId) };
      }
      await client.query(`UPDATE gatehouse_token_redemptions SET use_number = $3 WHERE token_id = $1 AND request_id = $2`, [
        request.tokenId,
        request.requestId,
        uses,
      ]);
      await client.query('COMMIT');
      return { ok: true, uses, replayed: false };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new StateStoreError(`cannot count token use: ${describe(error)}`, { cause: error });
    } finally {
      client.release();
    }
  }

  private async usesOn(client: pg.PoolClient, tokenId: string): Promise<number> {
    const result = await client.query<{ uses: number }>(`SELECT uses FROM gatehouse_token_uses WHERE token_id = $1`, [tokenId]);
    return result.rows[0]?.uses ?? 0;
  }

  async getTokenUses(tokenId: string): Promise<number> {
    const result = await this.query<{ uses: number }>(`SELECT uses FROM gatehouse_token_uses WHERE token_id = $1`, [tokenId]);
    return result.rows[0]?.uses ?? 0;
  }

  async revokeToken(tokenId: string, expiresAt: Date, at: Date): Promise<void> {
    await this.query(
      `INSERT INTO gatehouse_revocations (kind, id, revoked_at, expires_at) VALUES ('token', $1, $2, $3)
       ON CONFLICT (kind, id) DO NOTHING`,
      [tokenId, at, expiresAt],
    );
    await this.notify({ kind: 'revocation' });
  }

  async revokeSubject(subject: string, at: Date): Promise<void> {
    await this.query(
      `INSERT INTO gatehouse_revocations (kind, id, revoked_at, expires_at) VALUES ('subject', $1, $2, NULL)
       ON CONFLICT (kind, id) DO UPDATE SET revoked_at = GREATEST(gatehouse_revocations.revoked_at, EXCLUDED.revoked_at)`,
      [subject, at],
    );
    await this.notify({ kind: 'revocation' });
  }

  async findRevocation(token: { id: string; subject: string; issuedAt: Date }): Promise<string | undefined> {
    const result = await this.query<{ kind: string; revoked_at: Date }>(
      `SELECT kind, revoked_at FROM gatehouse_revocations
       WHERE (kind = 'token' AND id = $1) OR (kind = 'subject' AND id = $2 AND revoked_at >= $3)
       ORDER BY kind DESC LIMIT 1`,
      [token.id, token.subject, token.issuedAt],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return row.kind === 'token'
      ? `token ${token.id} was revoked at ${row.revoked_at.toISOString()}`
      : `every token of subject ${token.subject} issued before ${row.revoked_at.toISOString()} was revoked`;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const result = await this.query<{ value: T }>(`SELECT value FROM gatehouse_idempotency WHERE key = $1 AND expires_at > now()`, [key]);
    return result.rows[0]?.value;
  }

  async put<T>(key: string, value: T, ttlMs: number): Promise<void> {
    await this.query(
      `INSERT INTO gatehouse_idempotency (key, value, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
      [key, JSON.stringify(value), ttlMs],
    );
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    const result = await this.query<{ record: StoredSigningKey }>(`SELECT record FROM gatehouse_signing_keys ORDER BY created_at`);
    return result.rows.map((row) => row.record);
  }

  async putSigningKey(key: StoredSigningKey): Promise<void> {
    const result = await this.query(
      `INSERT INTO gatehouse_signing_keys (kid, created_at, record) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING`,
      [key.kid, key.createdAt, key],
    );
    if (result.rowCount) await this.notify({ kind: 'signing-key', kid: key.kid });
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.query(`DELETE FROM gatehouse_signing_keys WHERE kid = $1`, [kid]);
  }

  async purgeExpired(now: Date): Promise<void> {
    await this.query(`DELETE FROM gatehouse_idempotency WHERE expires_at <= $1`, [now]);
    await this.query(`DELETE FROM gatehouse_token_redemptions WHERE expires_at <= $1`, [now]);
    await this.query(`DELETE FROM gatehouse_token_uses WHERE expires_at <= $1`, [now]);
    await this.query(`DELETE FROM gatehouse_issued_tokens WHERE expires_at <= $1`, [now]);
    await this.query(`DELETE FROM gatehouse_revocations WHERE expires_at IS NOT NULL AND expires_at <= $1`, [now]);
    // Clients create approvals at will (each holds a whole request): resolved ones must not pile up.
    await this.query(
      `DELETE FROM gatehouse_approvals
       WHERE status <> 'pending' AND COALESCE((record->>'resolvedAt')::timestamptz, expires_at) <= $1
         AND (window_until IS NULL OR window_until <= $1)`,
      [new Date(now.getTime() - RESOLVED_APPROVAL_RETENTION_MS)],
    );
  }

  subscribe(listener: (change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return;
      const change = parseChange(message.payload);
      if (change) for (const listener of [...this.listeners]) listener(change);
    });
    client.on('error', () => {
      // A lost LISTEN connection is re-established; waiters also re-read state on a slow timer.
      this.listener = undefined;
      void client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private async notify(change: StateChange): Promise<void> {
    await this.query(`SELECT pg_notify($1, $2)`, [CHANNEL, JSON.stringify(change)]);
  }

  private async checkout(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new StateStoreError(`PostgreSQL state store unreachable: ${describe(error)}`, { cause: error });
    }
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw new StateStoreError(`PostgreSQL state store query failed: ${describe(error)}`, { cause: error });
    }
  }
}

function parseChange(payload: string): StateChange | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value === 'object' && value !== null && 'kind' in value) return value as StateChange;
  } catch {
    // A malformed notification is ignored; waiters re-read state anyway.
  }
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
