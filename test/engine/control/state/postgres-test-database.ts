import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh database on the real PostgreSQL of `scripts/services up postgres` (GATEHOUSE_PG_URL,
 * a superuser), so suites never share state. Fails loudly when the service is not there.
 */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.GATEHOUSE_PG_URL;
  if (!admin) throw new Error('GATEHOUSE_PG_URL is not set: `scripts/services up postgres` did not run or did not write var/services.env');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
