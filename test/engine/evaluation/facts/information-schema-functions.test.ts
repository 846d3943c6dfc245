import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFORMATION_SCHEMA_FUNCTIONS } from '../../../../engine/sql/information-schema-functions.ts';
import { extractSqlFacts, initSqlParser } from '../../../../engine/sql/sql-facts.ts';
import { serviceEnv } from '../../../support/services.ts';

beforeAll(async () => {
  await initSqlParser();
});

function settingsOf(text: string): unknown {
  const facts = extractSqlFacts(text);
  expect(facts.parseError).toBeUndefined();
  return facts.statements[0]!.settings ?? [];
}

describe('functions of information_schema', () => {
  it('the list is exactly what initdb made in information_schema of the PostgreSQL the tests run', async () => {
    const client = new pg.Client({ connectionString: serviceEnv('GATEHOUSE_PG_URL') });
    await client.connect();
    try {
      const live = await client.query<{ proname: string }>(
        "SELECT DISTINCT proname::text FROM pg_catalog.pg_proc WHERE pronamespace = 'information_schema'::regnamespace ORDER BY 1",
      );
      expect([...INFORMATION_SCHEMA_FUNCTIONS].sort()).toEqual(live.rows.map((r) => r.proname));
    } finally {
      await client.end();
    }
  });

  it('a call qualified with information_schema is PostgreSQL code: no settings change is assumed', () => {
    expect(settingsOf('SELECT (information_schema._pg_expandarray(i.indkey)).n FROM pg_catalog.pg_index i')).toEqual([]);
  });

  it.each([
    ['unqualified (resolved through search_path)', 'SELECT _pg_expandarray(ARRAY[1])'],
    ['in another schema', 'SELECT public._pg_expandarray(ARRAY[1])'],
    ['in a quoted upper-case schema (another schema to PostgreSQL)', 'SELECT "INFORMATION_SCHEMA"._pg_expandarray(ARRAY[1])'],
    ['not one of the list', 'SELECT information_schema.my_function()'],
  ])('a call %s may run anything', (_name, text) => {
    expect(settingsOf(text)).toEqual(['*']);
  });
});
