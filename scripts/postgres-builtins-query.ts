import pg from 'pg';

/**
 * What engine/sql/postgres-builtins.ts lists, read from a live PostgreSQL catalog. Shared by
 * scripts/gen-postgres-builtins (which writes the file) and the test that checks the file
 * against the PostgreSQL the tests run.
 */
export interface PostgresBuiltins {
  version: string;
  /** Every function, aggregate and procedure name in pg_catalog. */
  functions: string[];
  /**
   * Names PostgreSQL can call with one whole row as the argument: attribute notation `t.f`
   * (f not a column of t) runs `f(t)` for these (record, polymorphic, "any" or VARIADIC "any").
   */
  rowArgumentFunctions: string[];
}

const ROW_ACCEPTING_TYPES = ['record', 'anyelement', '"any"', 'anycompatible', 'anynonarray', 'anycompatiblenonarray'];

export async function readPostgresBuiltins(url: string): Promise<PostgresBuiltins> {
  const client = new pg.Client({ connectionString: url, application_name: 'gatehouse-gen-builtins' });
  await client.connect();
  try {
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v;
    const functions = await client.query<{ proname: string }>(
      "SELECT DISTINCT proname::text FROM pg_catalog.pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace ORDER BY 1",
    );
    const rowArgument = await client.query<{ proname: string }>(
      `SELECT DISTINCT proname::text FROM pg_catalog.pg_proc
        WHERE pronamespace = 'pg_catalog'::regnamespace
          AND ((pronargs >= 1 AND pronargs - pronargdefaults <= 1 AND proargtypes[0] = ANY ($1::regtype[]))
            OR provariadic = '"any"'::regtype)
        ORDER BY 1`,
      [ROW_ACCEPTING_TYPES],
    );
    return {
      version,
      functions: functions.rows.map((r) => r.proname),
      rowArgumentFunctions: rowArgument.rows.map((r) => r.proname),
    };
  } finally {
    await client.end();
  }
}
