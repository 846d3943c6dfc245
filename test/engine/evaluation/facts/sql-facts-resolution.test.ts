import { beforeAll, describe, expect, it } from 'vitest';
import { computeFacts, initFactExtractors } from '../../../../engine/evaluation/facts/compute-facts.ts';
import { extractSqlFacts } from '../../../../engine/sql/sql-facts.ts';

beforeAll(async () => {
  await initFactExtractors();
});

function only(text: string, catalog?: Record<string, string[]>): Record<string, unknown> {
  const result = extractSqlFacts(text, catalog);
  expect(result.parseError).toBeUndefined();
  return result.statements[0] as Record<string, unknown>;
}

describe('settings changes, however they are written', () => {
  it.each([
    ['SET search_path = evil', ['search_path']],
    ['SET LOCAL role = postgres', ['role']],
    ['SET SESSION AUTHORIZATION bob', ['session_authorization']],
    ["SET NAMES 'SJIS'", ['client_encoding']],
    ['RESET standard_conforming_strings', ['standard_conforming_strings']],
    ['RESET ALL', ['all']],
    ["SELECT set_config('search_path', 'x', false)", ['search_path']],
    ["SELECT pg_catalog.set_config(lower('ROLE'), 'x', false)", ['*']],
    ["UPDATE pg_settings SET setting = 'replica' WHERE name = 'session_replication_role'", ['*']],
    ["ALTER ROLE current_user SET backslash_quote = on", ['backslash_quote']],
    ["ALTER DATABASE d SET client_encoding = 'SJIS'", ['client_encoding']],
    ["ALTER FUNCTION f() SET search_path = evil", ['search_path']],
    ["DO $$ BEGIN PERFORM 1; END $$", ['*']],
    ['CALL refresh_all()', ['*']],
    ['SELECT public.helper(1)', ['*']],
    ["SELECT id FROM t WHERE x = (SELECT query_to_xml('SET role postgres', true, false, ''))", ['role']],
  ])('%s → settings %j', (text, settings) => {
    expect(only(text).settings).toEqual(settings);
  });

  it('builtins other than set_config change none', () => {
    expect(only("SELECT lower(name), now(), pg_catalog.length('x') FROM t").settings).toBeUndefined();
  });
});

describe('attribute notation on a row is a function call', () => {
  it('without a catalog, the builtins that take a row are whole-row uses', () => {
    for (const text of ['SELECT u.row_to_json FROM users u', 'SELECT users.to_jsonb FROM users', 'SELECT x.record_out FROM users x', 'SELECT s.to_json FROM (SELECT * FROM users) s']) {
      const facts = only(text);
      expect(facts.columns).toContainEqual(expect.objectContaining({ name: '*', usage: ['wholerow'] }));
    }
    expect(only('SELECT u.name FROM users u').columns).toEqual([{ name: 'name', table: 'users', usage: ['output'] }]);
  });

  it('with the catalog, any name that is not a column is a function on the row; a column stays a column', () => {
    const catalog = { users: ['id', 'name', 'email', 'to_json'] };
    const fn = only('SELECT u.my_export FROM users u', catalog);
    expect(fn.columns).toEqual([{ name: '*', table: 'users', usage: ['wholerow'] }]);
    expect(fn.functions).toContain('my_export');
    expect(only('SELECT u.to_json FROM users u', catalog).columns).toEqual([{ name: 'to_json', table: 'users', usage: ['output'] }]);
  });

  it('a function alias in FROM is its value, not a row (pgbench -i)', () => {
    const facts = only('insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid');
    expect(JSON.stringify(facts.columns)).not.toContain('wholerow');
  });

  it('a subquery alias used as a value is still a whole row', () => {
    expect(only('SELECT s FROM (SELECT email FROM users) s').columns).toContainEqual({ name: '*', table: 's', usage: ['wholerow'] });
  });
});

describe('SQL and relation names given as strings', () => {
  it('a constant query is parsed and its facts merged (as expressions, never plain output)', () => {
    const result = extractSqlFacts("SELECT query_to_xml('SELECT email FROM users WHERE pg_sleep(1) IS NULL', true, false, '')");
    const outer = result.statements[0] as Record<string, unknown>;
    expect(outer.tables).toEqual(['users']);
    expect(outer.functions).toEqual(expect.arrayContaining(['query_to_xml', 'pg_sleep']));
    expect(outer.columns).toContainEqual({ name: 'email', table: 'users', usage: ['expression'] });
    expect(result.statements[1]).toMatchObject({ kind: 'select', nested: true, tables: ['users'] });
  });

  it('a constant relation name is a whole-row read of it', () => {
    expect(only("SELECT table_to_xml('public.users'::regclass, true, false, '')").columns).toContainEqual({ name: '*', table: 'users', usage: ['wholerow'] });
  });

  it('a computed query, a cursor, a schema or a database is dynamic', () => {
    for (const text of ["SELECT * FROM ts_stat('select ' || 'v from t')", "SELECT cursor_to_xml('c', 1, true, false, '')", "SELECT schema_to_xml('public', true, false, '')", "SELECT database_to_xml(true, false, '')"]) {
      expect(only(text).dynamic).toBeDefined();
    }
  });
});

describe('catalog relations that hold values', () => {
  it.each(['pg_stats', 'pg_statistic', 'pg_stats_ext', 'pg_stats_ext_exprs', 'pg_catalog.pg_statistic_ext_data', 'pg_stat_activity'])('%s is a whole-row read', (relation) => {
    expect(only(`SELECT 1 FROM ${relation}`).columns).toContainEqual(expect.objectContaining({ name: '*', usage: ['wholerow'] }));
  });
});

describe('WHERE bounds of writes', () => {
  it.each([
    ['DELETE FROM t WHERE id = 1', [{ column: 'id', values: 1, table: 't' }]],
    ['DELETE FROM t WHERE 7 = id AND x > 3', [{ column: 'id', values: 1, table: 't' }]],
    ['UPDATE t SET a = 1 WHERE t.id IN (1, 2, $1)', [{ column: 'id', values: 3, table: 't' }]],
    ["DELETE FROM t x WHERE x.id = '5'::int", [{ column: 'id', values: 1, table: 't' }]],
    ['DELETE FROM t WHERE id IS NOT NULL', []],
    ['DELETE FROM t WHERE id = id', []],
    ['DELETE FROM t WHERE EXISTS (SELECT 1)', []],
    ['DELETE FROM t WHERE id = 1 OR true', []],
    ['DELETE FROM t WHERE other.id = 1', []],
  ])('%s → %j', (text, bounds) => {
    expect(only(text).whereBounds).toEqual(bounds);
  });
});

describe('the text is read with standard_conforming_strings on and off', () => {
  it('refuses text whose facts differ between the two readings', () => {
    const result = extractSqlFacts("SELECT 'x\\'; DELETE FROM users; --'");
    expect(result.statements).toEqual([]);
    expect(result.parseError).toContain('standard_conforming_strings');
  });

  it('refuses text that does not parse in the other reading', () => {
    expect(extractSqlFacts("SELECT 'a\\', 'b'").parseError).toContain('standard_conforming_strings');
  });

  it('accepts a backslash that changes no fact, and E strings', () => {
    expect(extractSqlFacts("SELECT id FROM t WHERE n LIKE 'a\\_b'").parseError).toBeUndefined();
    expect(extractSqlFacts("SELECT E'\\'' AS q").parseError).toBeUndefined();
  });
});

describe('context.sql.catalog', () => {
  it('is validated at the boundary and changes the facts', () => {
    const bad = computeFacts({ sql: { text: 'SELECT 1', catalog: { users: 'id' } } });
    expect(bad.errors.join()).toContain('context.sql.catalog.users');
    const withCatalog = computeFacts({ sql: { text: 'SELECT u.export FROM users u', catalog: { users: ['id'] } } });
    const without = computeFacts({ sql: { text: 'SELECT u.export FROM users u' } });
    expect(JSON.stringify(withCatalog.context.sql)).toContain('wholerow');
    expect(JSON.stringify(without.context.sql)).not.toContain('wholerow');
  });
});
