import pg from 'pg';
import type { ColumnOrigin, ColumnOriginResolver } from './column-masker.ts';
import type { UpstreamTarget } from './upstream/upstream-connection.ts';

interface TableShape {
  columns: string[];
  keys: string[];
}

/** Per table name: its columns (`context.sql.catalog`) and its single-column unique keys (`context.sql.keys`). */
export interface RelationShapes {
  columns: Record<string, string[]>;
  keys: Record<string, string[]>;
}

/** How long the columns of a relation are trusted before they are looked up again. */
const RELATION_COLUMNS_TTL_MS = 1_000;
const MAX_CACHED = 10_000;

/**
 * Looks up the upstream catalog with the proxy's own credentials, over one shared connection:
 * the column (and the kind of relation) a result field comes from, cached by (table OID,
 * attribute number); and the columns of relations a statement names, for the engine's facts
 * (`context.sql.catalog`), cached briefly since tables change. Unknown origins resolve to
 * undefined; an unreachable catalog rejects, and the caller fails closed.
 */
export class CatalogColumnOrigins implements ColumnOriginResolver {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  /** The last lookup sent: the next waits for it (one connection runs one query at a time). */
  private lastQuery: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, ColumnOrigin | undefined>();
  private readonly relations = new Map<string, { table: TableShape | undefined; at: number }>();

  constructor(private readonly target: UpstreamTarget) {}

  async columnOrigin(tableOid: number, columnNumber: number): Promise<ColumnOrigin | undefined> {
    const key = `${tableOid}:${columnNumber}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const result = await this.query<{ attname: string; relkind: string }>(
      `SELECT a.attname, c.relkind FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        WHERE a.attrelid = $1 AND a.attnum = $2`,
      [tableOid, columnNumber],
    );
    const row = result.rows[0];
    const origin = row ? { name: row.attname, relkind: row.relkind } : undefined;
    if (this.cache.size > MAX_CACHED) this.cache.clear();
    this.cache.set(key, origin);
    return origin;
  }

  /**
   * Columns of the visible tables (ordinary or partitioned: the relations whose columns hold the
   * values) with these lower-case, unqualified names, as the session resolves them (the proxy's
   * role and database, and a search_path no client may change). Views and other relations are
   * left out: their columns are not the values' own, and the policy treats them as unknown.
   */
  async relationColumns(names: readonly string[]): Promise<RelationShapes> {
    const now = Date.now();
    const out: RelationShapes = { columns: {}, keys: {} };
    const missing: string[] = [];
    const add = (name: string, table: TableShape): void => {
      out.columns[name] = table.columns;
      out.keys[name] = table.keys;
    };
    for (const name of new Set(names)) {
      // Only tables found are cached: a relation that does not exist yet (a session's DROP IF
      // EXISTS, then its CREATE, then its COPY) must be looked up again at once.
      const hit = this.relations.get(name);
      if (hit?.table && now - hit.at < RELATION_COLUMNS_TTL_MS) add(name, hit.table);
      else missing.push(name);
    }
    if (missing.length === 0) return out;
    // keys: columns that alone are a unique key (no partial or expression index).
    const result = await this.query<{ relname: string; columns: string[]; keys: string[] }>(
      `SELECT c.relname,
              array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
              array(SELECT a.attname::text FROM pg_catalog.pg_index i
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                     WHERE i.indrelid = c.oid AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL) AS keys
         FROM pg_catalog.pg_class c
        WHERE c.relname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)`,
      [missing],
    );
    if (this.relations.size > MAX_CACHED) this.relations.clear();
    const lower = (names: string[]): string[] => names.map((n) => n.toLowerCase());
    const found = new Map(result.rows.map((r) => [r.relname.toLowerCase(), { columns: lower(r.columns), keys: lower(r.keys) }]));
    for (const name of missing) {
      const table = found.get(name);
      if (table) {
        this.relations.set(name, { table, at: now });
        add(name, table);
      } else this.relations.delete(name);
    }
    return out;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /**
   * Sessions look up concurrently over the one connection: their queries run one after another
   * (what pg would do implicitly, a use it deprecates), and one that fails does not fail the next.
   */
  private query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.lastQuery.then(async () => (await this.connect()).query<R>(text, values));
    this.lastQuery = run.catch(() => undefined);
    return run;
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
