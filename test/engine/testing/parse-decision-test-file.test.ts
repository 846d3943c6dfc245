import { describe, expect, it } from 'vitest';
import { DecisionTestError } from '../../../engine/bundle/decision-test-error.ts';
import { parseDecisionTestFile } from '../../../engine/bundle/parse-decision-test-file.ts';

const VALID = `now: "2026-11-25T10:00:00Z"
fixtures:
  subjects:
    alice: { id: alice, groups: [dba] }
  resources:
    orders-prod: { type: Database, id: orders, attributes: { env: prod } }
  tokens:
    orders-read: { actions: [db.query], resource: { type: Database, id: orders }, expiresAt: "2026-11-25T10:05:00Z" }
cases:
  - name: select is allowed for dba
    subject: alice
    action: db.query
    resource: orders-prod
    context: { sql: { text: "SELECT id FROM orders" } }
    token: orders-read
    expect:
      effect: allow
  - name: night select uses its own clock
    subject: alice
    action: db.query
    resource: orders-prod
    now: "2026-11-25T03:00:00Z"
    expect: { effect: deny, reasons: [night] }
`;

function problemOf(text: string): DecisionTestError {
  try {
    parseDecisionTestFile('tests/db.yaml', text);
  } catch (error) {
    if (error instanceof DecisionTestError) return error;
    throw error;
  }
  throw new Error('expected a DecisionTestError');
}

describe('parseDecisionTestFile', () => {
  it('resolves named fixtures and applies the file clock and the per-case clock', () => {
    const file = parseDecisionTestFile('tests/db.yaml', VALID);
    expect(file.cases.map((c) => [c.name, c.line, c.input.time])).toEqual([
      ['select is allowed for dba', 10, '2026-11-25T10:00:00Z'],
      ['night select uses its own clock', 18, '2026-11-25T03:00:00Z'],
    ]);
    const first = file.cases[0].input;
    expect(first.subject).toEqual({ id: 'alice', groups: ['dba'] });
    expect(first.resource).toEqual({ type: 'Database', id: 'orders', attributes: { env: 'prod' } });
    expect(first.token).toEqual({
      id: 'test-token',
      subject: 'alice',
      constraints: {},
      actions: ['db.query'],
      resource: { type: 'Database', id: 'orders' },
      expiresAt: '2026-11-25T10:05:00Z',
    });
    expect(file.cases[1].input.context).toEqual({});
  });

  it('gives each case its own copy of a fixture', () => {
    const file = parseDecisionTestFile('tests/db.yaml', VALID);
    file.cases[0].input.subject.groups?.push('mutated');
    expect(file.cases[1].input.subject.groups).toEqual(['dba']);
  });

  it('malformed YAML names the file and line', () => {
    const error = problemOf(VALID.replace('context: { sql:', 'context: {{ sql:'));
    expect(error.message).toMatch(/^tests\/db\.yaml:15: malformed YAML: /);
    expect(error.code).toBe('GATEHOUSE_DECISION_TEST');
  });

  it('an unknown fixture names the line, the name, a suggestion and where to define it', () => {
    const error = problemOf(VALID.replace('subject: alice', 'subject: alcie'));
    expect(error.line).toBe(11);
    expect(error.message).toContain("unknown subject fixture 'alcie'; did you mean 'alice'?");
    expect(error.message).toContain('fixtures.subjects');
  });

  it('a misspelt effect names the allowed effects', () => {
    const error = problemOf(VALID.replace('effect: allow', 'effect: alow'));
    expect(error.message).toBe(
      `tests/db.yaml:17: case "select is allowed for dba": expect.effect is "alow"; use one of allow, deny, require_approval (did you mean 'allow'?)`,
    );
  });

  it('a case without an action says what every case needs', () => {
    const error = problemOf(VALID.replace('    action: db.query\n', ''));
    expect(error.message).toContain(`tests/db.yaml:10: case "select is allowed for dba" is missing 'action'`);
  });

  it('an inline resource without a type shows the shape of a resource', () => {
    const error = problemOf(VALID.replace('resource: orders-prod\n    context', 'resource: { id: orders }\n    context'));
    expect(error.line).toBe(13);
    expect(error.message).toContain("resource is missing 'type' (a resource needs type and id");
  });

  it('a misspelt key is named with its likely meaning', () => {
    const error = problemOf(VALID.replace('    expect:\n      effect: allow', '    expct:\n      effect: allow'));
    expect(error.message).toContain("has unknown key 'expct'; did you mean 'expect'?");
    expect(error.line).toBe(16);
  });

  it('a case without any clock is refused', () => {
    const error = problemOf(VALID.replace('now: "2026-11-25T10:00:00Z"\n', ''));
    expect(error.message).toContain('has no clock; set now:');
  });

  it('an impossible instant is refused', () => {
    expect(problemOf(VALID.replace('"2026-11-25T03:00:00Z"', '"2026-13-25T03:00:00Z"')).message).toContain('is not a real instant');
    expect(problemOf(VALID.replace('"2026-11-25T03:00:00Z"', '2026-11-25')).message).toContain('is not an RFC 3339 instant');
  });

  it('duplicate case names are refused', () => {
    const error = problemOf(VALID.replace('night select uses its own clock', 'select is allowed for dba'));
    expect(error.message).toContain('is used twice (first on line 10)');
  });

  it('an empty file is refused with what a file holds', () => {
    expect(problemOf('').message).toContain('the file is empty');
  });
});
