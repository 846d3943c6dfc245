import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogColumnOrigins } from '../../../../dataplane/postgres/column-origins.ts';
import { parseUpstreamUrl } from '../../../../dataplane/postgres/upstream/upstream-connection.ts';
import { POSTGRES_BUILTIN_FUNCTIONS, POSTGRES_ROW_ARGUMENT_FUNCTIONS } from '../../../../engine/sql/postgres-builtins.ts';
import { extractSqlFacts, initSqlParser } from '../../../../engine/sql/sql-facts.ts';
import { readPostgresBuiltins } from '../../../../scripts/postgres-builtins-query.ts';
import { createTestDatabase } from '../../../dataplane/postgres/proxy-fixture.ts';
import { serviceEnv } from '../../../support/services.ts';

/**
 * The engine's facts against what the real PostgreSQL resolves: attribute notation (EXPLAIN
 * VERBOSE shows a column or a function of the whole row), and the generated list of builtins
 * against the live catalog.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;
let catalog: CatalogColumnOrigins;

beforeAll(async () => {
  await initSqlParser();
  database = await createTestDatabase('gh_facts');
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // A column named like a builtin: PostgreSQL picks the column, and so must the facts.
  await client.query('ALTER TABLE users ADD COLUMN to_json text');
  await client.query('CREATE FUNCTION export_row(users) RETURNS text LANGUAGE sql AS $$ SELECT $1::text $$');
  catalog = new CatalogColumnOrigins(parseUpstreamUrl(database.url));
}, 60_000);

afterAll(async () => {
  await catalog?.close();
  await client?.end();
  await database?.drop();
});

describe('generated builtins match the live catalog', () => {
  it('every row-taking builtin and every builtin name of this PostgreSQL is listed', async () => {
    const live = await readPostgresBuiltins(serviceEnv('GATEHOUSE_PG_URL'));
    expect(live.rowArgumentFunctions.filter((f) => !POSTGRES_ROW_ARGUMENT_FUNCTIONS.has(f))).toEqual([]);
    expect(live.functions.filter((f) => !POSTGRES_BUILTIN_FUNCTIONS.has(f))).toEqual([]);
    expect([...POSTGRES_BUILTIN_FUNCTIONS].filter((f) => !live.functions.includes(f))).toEqual([]);
  });
});

describe('attribute notation: the facts agree with PostgreSQL', () => {
  const CASES = ['u.row_to_json', 'u.to_jsonb', 'u.record_out', 'u.export_row', 'u.to_json', 'u.name', 'u.email', 'users.row_to_json'];
  it.each(CASES)('SELECT %s FROM users u', async (expression) => {
    const from = expression.startsWith('users.') ? 'users' : 'users u';
    const text = `SELECT ${expression} FROM ${from}`;
    const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE, COSTS OFF) ${text}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    const output = /Output: (.*)/.exec(plan)?.[1] ?? '';
    // PostgreSQL shows a whole-row argument as `u.*` (or `users.*`).
    const postgresWholeRow = /\.\*/.test(output);
    const { columns } = await catalog.relationColumns(['users']);
    const facts = extractSqlFacts(text, columns).statements[0]!;
    const factsWholeRow = JSON.stringify(facts.columns).includes('wholerow');
    expect({ text, output, wholeRow: factsWholeRow }).toEqual({ text, output, wholeRow: postgresWholeRow });
  });
});

describe('the two string readings: what the facts accept reads the same in PostgreSQL both ways', () => {
  it.each(["SELECT 'a\\_b' LIKE 'a_b' AS x", "SELECT E'\\\\' AS x", "SELECT 'plain' AS x"])('%s', async (text) => {
    expect(extractSqlFacts(text).parseError).toBeUndefined();
    const results: number[] = [];
    for (const setting of ['on', 'off']) {
      await client.query(`SET standard_conforming_strings = ${setting}`);
      const result = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
      results.push(Array.isArray(result) ? result.length : 1);
    }
    await client.query('RESET standard_conforming_strings');
    expect(results[0]).toBe(results[1]);
  });

  it("text the facts refuse does read as other statements with standard_conforming_strings off", async () => {
    // On: one SELECT of two literals. Off: SELECT … AS b; SELECT 1; and a comment.
    const text = "SELECT '\\' AS a, ' AS b; SELECT 1; --'";
    expect(extractSqlFacts(text).parseError).toContain('standard_conforming_strings');
    const on = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    await client.query('SET standard_conforming_strings = off');
    const off = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    await client.query('RESET standard_conforming_strings');
    expect(Array.isArray(on)).toBe(false);
    expect(Array.isArray(off) && off.length).toBe(2);
  });
});
