import { beforeAll, describe, expect, it } from 'vitest';
import { computeFacts, initFactExtractors } from '../../../engine/evaluation/facts/index.ts';
import { checkMaskUsage } from '../../../engine/evaluation/masking/check-mask-usage.ts';
import type { Decision } from '../../../engine/model/index.ts';
import type { JsonObject } from '../../../engine/model/index.ts';

// engine/evaluation/masking/check-mask-usage.ts, tested on the engine's real facts (libpg_query).

beforeAll(async () => {
  await initFactExtractors();
});

const masked = (mask: unknown = ['email']): Decision => ({
  effect: 'allow',
  reasons: ['rego:gatehouse/decision: users holds PII'],
  obligations: { mask } as JsonObject,
  engines: [],
});

function check(sql: string, decision = masked()): Decision {
  const facts = computeFacts({ sql: { text: sql } });
  expect(facts.errors).toEqual([]);
  return checkMaskUsage(decision, facts.context);
}

const ALLOWED = [
  'SELECT * FROM users',
  'SELECT email FROM users',
  'SELECT EMAIL FROM users',
  'SELECT "email" FROM users',
  'SELECT email AS contact FROM users',
  'SELECT u.email, u.id FROM users u WHERE u.id = 1',
  'SELECT id, name FROM users WHERE age > 30 ORDER BY name',
  'SELECT count(*) FROM users',
  'SELECT users.* FROM users JOIN orders ON orders.user_id = users.id',
  'SELECT 1',
];

const DENIED: { sql: string; usage: string }[] = [
  { sql: 'SELECT lower(email) FROM users', usage: 'column "email" is used in expression' },
  { sql: 'SELECT LOWER(Email) FROM users', usage: 'column "email" is used in expression' },
  { sql: "SELECT id FROM users WHERE email LIKE 'a%'", usage: 'column "email" is used in filter' },
  { sql: "SELECT id FROM users u WHERE u.\"email\" = 'x'", usage: 'column "email" is used in filter' },
  { sql: "UPDATE users SET name = 'x' WHERE id = 1 RETURNING email", usage: 'column "email" is used in returning' },
  { sql: 'SELECT u.id FROM users u JOIN orders o ON o.note = u.email', usage: 'column "email" is used in join' },
  { sql: 'SELECT count(*) FROM users GROUP BY email', usage: 'column "email" is used in group' },
  { sql: 'SELECT id FROM users ORDER BY email', usage: 'column "email" is used in order' },
  { sql: 'SELECT users FROM users', usage: 'whole-row reference' },
  { sql: 'SELECT row_to_json(u) FROM users u', usage: 'whole-row reference' },
  { sql: 'COPY users TO STDOUT', usage: 'COPY is not allowed' },
  { sql: 'COPY (SELECT id FROM users) TO STDOUT', usage: 'COPY is not allowed' },
  { sql: 'SELECT email AS e FROM users ORDER BY e', usage: 'by its alias "e"' },
  { sql: 'SELECT email FROM users ORDER BY 1', usage: 'ORDER BY or GROUP BY by position' },
  { sql: 'SELECT DISTINCT email FROM users', usage: 'DISTINCT' },
  { sql: "SELECT c FROM users u(a, c) WHERE c LIKE 'x%'", usage: 'column alias list' },
  { sql: "SELECT e FROM (SELECT email AS e FROM users) s WHERE e LIKE 'a%'", usage: 'column "email" is used in' },
  { sql: 'WITH x AS (SELECT email FROM users) SELECT * FROM x', usage: 'column "email" is used in' },
  { sql: 'SELECT * FROM (SELECT * FROM users) s', usage: 'column "*"' },
  { sql: 'SELECT email FROM users UNION SELECT name FROM users', usage: 'column "email" is used in' },
  { sql: 'SELECT * FROM users NATURAL JOIN orders', usage: 'NATURAL JOIN' },
  { sql: 'INSERT INTO scratch SELECT id, email FROM users', usage: 'column "email" is used in' },
  { sql: 'SELECT 1; SELECT id FROM users WHERE email IS NULL', usage: 'column "email" is used in filter' },
];

describe('checkMaskUsage', () => {
  for (const sql of ALLOWED) {
    it(`allows plain selection while email is masked: ${sql}`, () => {
      expect(check(sql).effect).toBe('allow');
    });
  }

  for (const { sql, usage } of DENIED) {
    it(`denies ${sql} while email is masked (${usage})`, () => {
      const decision = check(sql);
      expect(decision.effect).toBe('deny');
      expect(decision.reasons).toHaveLength(1);
      expect(decision.reasons[0]).toMatch(/^gatehouse:mask: /);
      expect(decision.reasons[0]).toContain(usage);
      expect(decision.obligations).toEqual({});
    });
  }

  it('leaves a decision without masks unchanged', () => {
    const plain: Decision = { effect: 'allow', reasons: [], obligations: {}, engines: [] };
    const facts = computeFacts({ sql: { text: 'SELECT lower(email) FROM users' } });
    expect(checkMaskUsage(plain, facts.context)).toBe(plain);
  });

  it('leaves a deny unchanged', () => {
    const denied: Decision = { effect: 'deny', reasons: ['x'], obligations: { mask: ['email'] }, engines: [] };
    expect(checkMaskUsage(denied, computeFacts({ sql: { text: 'SELECT lower(email) FROM users' } }).context)).toBe(denied);
  });

  it('denies a require_approval whose statement could never run masked', () => {
    const held: Decision = { ...masked(), effect: 'require_approval' };
    expect(check('SELECT lower(email) FROM users', held).effect).toBe('deny');
  });

  it('matches table-qualified mask entries and names case-insensitively', () => {
    expect(check('SELECT upper(email) FROM users', masked(['Users.EMAIL'])).effect).toBe('deny');
  });

  it('denies when the mask obligation is not a list of names', () => {
    expect(check('SELECT email FROM users', masked('email')).reasons[0]).toContain('must be a list of column names');
  });

  it('denies when the statement did not parse', () => {
    const facts = computeFacts({ sql: { text: 'SELEC email FROM' } });
    expect(checkMaskUsage(masked(), facts.context).effect).toBe('deny');
  });

  it('works on facts given without text (tests and custom data planes)', () => {
    const context: JsonObject = {
      sql: { statements: [{ kind: 'select', tables: ['users'], columns: [{ name: 'email', table: 'users', usage: ['filter'] }], hasWhere: true, functions: [] }] },
    };
    expect(checkMaskUsage(masked(), context).reasons[0]).toContain('column "email" is used in filter');
  });

  it('is pure: the same input gives the same answer and the input is not changed', () => {
    const facts = computeFacts({ sql: { text: 'SELECT lower(email) FROM users' } });
    const decision = masked();
    const before = JSON.stringify([decision, facts.context]);
    expect(checkMaskUsage(decision, facts.context)).toEqual(checkMaskUsage(decision, facts.context));
    expect(JSON.stringify([decision, facts.context])).toBe(before);
  });
});
