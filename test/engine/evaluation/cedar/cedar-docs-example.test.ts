import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareCedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';
import { request } from './cedar-fixtures.ts';

// docs/cedar.md promises outcomes for its example policy; this keeps the promise true.
const doc = readFileSync(resolve(import.meta.dirname, '../../../../docs/cedar.md'), 'utf8');
const example = /```cedar\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

describe('docs/cedar.md example policy', () => {
  const evaluator = prepareCedarEvaluator({ revision: 'docs', policies: [{ file: 'example.cedar', text: example }] });

  it('requires approval for a dba query on a prod database', () => {
    const d = evaluator.evaluate(request());
    expect(d.effect).toBe('require_approval');
    expect(d.reasons).toEqual(['cedar:prod-approval: queries on production need an approval']);
  });

  it('allows the same query on a dev database', () => {
    expect(evaluator.evaluate(request({ resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } } })).effect).toBe('allow');
  });

  it('allows an analyst with email and phone masked', () => {
    const d = evaluator.evaluate(request({ subject: { id: 'carol', groups: ['analyst'] } }));
    expect(d).toMatchObject({ effect: 'allow', obligations: { mask: ['email', 'phone'] } });
  });

  it('denies a contractor outside business hours with the @reason text', () => {
    const d = evaluator.evaluate(request({ subject: { id: 'dan', groups: ['analyst', 'contractor'] }, time: '2026-11-25T20:00:00Z' }));
    expect(d.effect).toBe('deny');
    expect(d.reasons).toEqual(['cedar:contractor-hours: contractors may act only between 08:00 and 18:00 UTC']);
  });
});
