import type pg from 'pg';

/** Ordered migrations; an applied one is never edited, a change is a new entry. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE gatehouse_approvals (
     id text PRIMARY KEY,
     request_id text UNIQUE,
     binding_hash text NOT NULL,
     status text NOT NULL,
     created_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     window_until timestamptz,
     record jsonb NOT NULL
   );
   CREATE INDEX gatehouse_approvals_status ON gatehouse_approvals (status, created_at DESC);
   CREATE INDEX gatehouse_approvals_window ON gatehouse_approvals (binding_hash) WHERE status = 'approved';
   CREATE TABLE gatehouse_issued_tokens (
     id text PRIMARY KEY, subject text NOT NULL, expires_at timestamptz NOT NULL, record jsonb NOT NULL);
   CREATE TABLE gatehouse_token_uses (
     token_id text PRIMARY KEY, uses integer NOT NULL, expires_at timestamptz NOT NULL);
   CREATE TABLE gatehouse_token_redemptions (
     token_id text NOT NULL, request_id text NOT NULL, use_number integer, expires_at timestamptz NOT NULL,
     PRIMARY KEY (token_id, request_id));
   CREATE TABLE gatehouse_revocations (
     kind text NOT NULL, id text NOT NULL, revoked_at timestamptz NOT NULL, expires_at timestamptz,
     PRIMARY KEY (kind, id));
   CREATE TABLE gatehouse_idempotency (key text PRIMARY KEY, value jsonb NOT NULL, expires_at timestamptz NOT NULL);
   CREATE TABLE gatehouse_signing_keys (kid text PRIMARY KEY, created_at timestamptz NOT NULL, record jsonb NOT NULL);`,
];

/** Creates or upgrades the schema; replicas starting together serialise on an advisory lock. */
export async function migratePostgresState(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('gatehouse_state_schema'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS gatehouse_schema_version (version integer NOT NULL)`);
    const current = await client.query<{ version: number }>(`SELECT max(version) AS version FROM gatehouse_schema_version`);
    const applied = current.rows[0]?.version ?? 0;
    for (let version = applied + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1]!);
      await client.query(`INSERT INTO gatehouse_schema_version (version) VALUES ($1)`, [version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
