import { beforeAll, describe, expect, it } from 'vitest';
import { computeFacts, initFactExtractors, MAX_FACTS_TEXT_LENGTH } from '../../../../engine/evaluation/facts/compute-facts.ts';
import { FactsCache } from '../../../../engine/evaluation/facts/facts-cache.ts';

beforeAll(async () => {
  await Promise.all([initFactExtractors(), initFactExtractors()]);
});

describe('computeFacts', () => {
  it('replaces caller-sent SQL facts with the parsed ones', () => {
    const forged = { text: 'DROP TABLE users', statements: [{ kind: 'select', tables: [] }], parseError: 'x' };
    const { context, errors } = computeFacts({ sql: forged, other: 1 });
    expect(errors).toEqual([]);
    expect(context.other).toBe(1);
    expect(context.sql).toMatchObject({ text: 'DROP TABLE users', statements: [{ kind: 'drop', tables: ['users'] }] });
    expect((context.sql as Record<string, unknown>).parseError).toBeUndefined();
    expect(forged.statements[0]!.kind).toBe('select');
  });

  it('replaces caller-sent command facts with the parsed ones', () => {
    const { context } = computeFacts({ command: { text: 'rm -rf /', commands: [{ argv: ['ls'], dynamic: false }] } });
    expect(context.command).toMatchObject({ commands: [{ argv: ['rm', '-rf', '/'], dynamic: false }] });
  });

  it('keeps other keys of context.sql (bound parameters)', () => {
    const { context } = computeFacts({ sql: { text: 'SELECT $1', params: ['a'] } });
    expect(context.sql).toMatchObject({ params: ['a'], statements: [{ kind: 'select' }] });
  });

  it('facts without text are evaluated as given', () => {
    const sql = { statements: [{ kind: 'select' }] };
    const { context, errors } = computeFacts({ sql });
    expect(errors).toEqual([]);
    expect(context.sql).toBe(sql);
  });

  it('a SQL syntax error is returned as a facts error and recorded as parseError', () => {
    const { context, errors } = computeFacts({ sql: { text: 'DELET FROM users' } });
    expect(errors).toEqual([expect.stringMatching(/^facts: sql: syntax error at or near "DELET"/)]);
    expect(context.sql).toMatchObject({ statements: [], parseError: expect.stringMatching(/syntax error/) });
  });

  it('a shell syntax error is returned as a facts error', () => {
    expect(computeFacts({ command: { text: 'echo "x' } }).errors).toEqual([expect.stringMatching(/^facts: command: shell syntax error/)]);
  });

  it('a non-string text is an error', () => {
    expect(computeFacts({ sql: { text: 42 } }).errors).toEqual(['facts: context.sql.text must be a string']);
    expect(computeFacts({ command: 'ls' }).errors).toEqual(['facts: context.command must be an object']);
  });

  it('an oversized text is refused', () => {
    expect(computeFacts({ sql: { text: ' '.repeat(MAX_FACTS_TEXT_LENGTH + 1) } }).errors[0]).toMatch(/longer than/);
  });

  it('a repeated text returns the same cached, frozen facts', () => {
    const a = computeFacts({ sql: { text: 'SELECT email FROM users' } }).context.sql as Record<string, unknown>;
    const b = computeFacts({ sql: { text: 'SELECT email FROM users' } }).context.sql as Record<string, unknown>;
    expect(b.statements).toBe(a.statements);
    expect(Object.isFrozen(a.statements)).toBe(true);
    expect(() => (a.statements as unknown[]).push(1)).toThrow();
  });

  it('texts differing only in a literal or in case are cached separately', () => {
    const one = computeFacts({ sql: { text: 'select 1 from t' } }).context.sql as Record<string, unknown>;
    const two = computeFacts({ sql: { text: 'select 1 from T; drop table t' } }).context.sql as Record<string, unknown>;
    expect((two.statements as unknown[]).length).toBe(2);
    expect(one.statements).not.toBe(two.statements);
  });
});

describe('FactsCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new FactsCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
  });
});
