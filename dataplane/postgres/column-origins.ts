import pg from 'pg';
import type { ColumnOriginResolver } from './column-masker.ts';
import type { UpstreamTarget } from './upstream/upstream-connection.ts';

/**
 * Looks up base-table column names in the upstream catalog with the proxy's own credentials,
 * over one shared connection, cached by (table OID, attribute number). Unknown origins
 * resolve to undefined; an unreachable catalog rejects, and the caller fails closed.
 */
export class CatalogColumnOrigins implements ColumnOriginResolver {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly target: UpstreamTarget) {}

  async columnName(tableOid: number, columnNumber: number): Promise<string | undefined> {
    const key = `${tableOid}:${columnNumber}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const client = await this.connect();
    const result = await client.query<{ attname: string }>(
      'SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum = $2',
      [tableOid, columnNumber],
    );
    const name = result.rows[0]?.attname;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, name);
    return name;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({
        host: this.target.host,
        port: this.target.port,
        user: this.target.user,
        password: this.target.password,
        database: this.target.database,
        ssl: this.target.sslmode === 'require' ? { rejectUnauthorized: false } : undefined,
        application_name: 'gatehouse-proxy-catalog',
      });
      client.on('error', () => {
        this.client = undefined;
      });
      try {
        await client.connect();
        this.client = client;
        return client;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }
}
