import { describe, expect, it } from 'vitest';
import { combineDecisions, unionObligations } from '../../../../engine/evaluation/combine-decisions.ts';
import type { Effect, EngineDecision, EngineName } from '../../../../engine/model/index.ts';

function decision(engine: EngineName, effect: Effect, extra: Partial<EngineDecision> = {}): EngineDecision {
  return { engine, effect, reasons: [], obligations: {}, determining: [], errors: [], ...extra };
}

describe('combineDecisions', () => {
  it('allow from both required engines → allow', () => {
    const result = combineDecisions([decision('rego', 'allow'), decision('cedar', 'allow')], ['rego', 'cedar']);
    expect(result.effect).toBe('allow');
    expect(result.engines).toHaveLength(2);
  });

  it('any deny beats allow and require_approval → deny', () => {
    expect(combineDecisions([decision('rego', 'allow'), decision('cedar', 'deny')], ['rego', 'cedar']).effect).toBe('deny');
    expect(combineDecisions([decision('rego', 'require_approval'), decision('cedar', 'deny')], ['rego', 'cedar']).effect).toBe('deny');
  });

  it('require_approval beats allow → require_approval', () => {
    expect(combineDecisions([decision('rego', 'require_approval'), decision('cedar', 'allow')], ['rego', 'cedar']).effect).toBe('require_approval');
  });

  it('a required engine missing from the answers → deny naming it', () => {
    const result = combineDecisions([decision('rego', 'allow')], ['rego', 'cedar']);
    expect(result.effect).toBe('deny');
    expect(result.reasons.join('\n')).toContain('cedar');
  });

  it('an engine that allowed but reported errors → deny with the error as a reason', () => {
    const result = combineDecisions([decision('rego', 'allow', { errors: ['builtin exploded'] })], ['rego']);
    expect(result.effect).toBe('deny');
    expect(result.reasons).toContain('rego:error: builtin exploded');
  });

  it('an error the engine already gives as a reason is not repeated', () => {
    const error = 'cedar:p: evaluation error: integer overflow';
    const result = combineDecisions([decision('cedar', 'deny', { reasons: [error], errors: [error] })], ['cedar']);
    expect(result.reasons).toEqual([error]);
  });

  it('an effect outside the three (EFFECT_UNSPECIFIED) → deny', () => {
    const odd = { ...decision('rego', 'allow'), effect: 'EFFECT_UNSPECIFIED' as Effect };
    expect(combineDecisions([odd], ['rego']).effect).toBe('deny');
  });

  it('no answers at all, nothing required → deny', () => {
    expect(combineDecisions([], []).effect).toBe('deny');
  });

  it('reasons are concatenated in engine order and obligations unioned without duplicates', () => {
    const result = combineDecisions(
      [
        decision('rego', 'allow', { reasons: ['rego:gatehouse/decision: masked'], obligations: { mask: ['email', 'ssn'] } }),
        decision('cedar', 'allow', { reasons: ['cedar:mask-pii: pii'], obligations: { mask: ['ssn', 'phone'], watermark: true } }),
      ],
      ['rego', 'cedar'],
    );
    expect(result.effect).toBe('allow');
    expect(result.reasons).toEqual(['rego:gatehouse/decision: masked', 'cedar:mask-pii: pii']);
    expect(result.obligations).toEqual({ mask: ['email', 'ssn', 'phone'], watermark: true });
  });
});

describe('unionObligations', () => {
  it('a scalar beside an array joins the array', () => {
    expect(unionObligations([{ mask: 'email' }, { mask: ['ssn', 'email'] }])).toEqual({ mask: ['email', 'ssn'] });
  });
});
