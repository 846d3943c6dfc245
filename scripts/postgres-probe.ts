import pg from 'pg';

/** True once a PostgreSQL (or pgbouncer) at `url` answers `SELECT 1`; rejects with why not. */
export async function probePostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end();
  }
}
