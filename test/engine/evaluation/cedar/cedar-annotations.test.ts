import { afterEach, describe, expect, it } from 'vitest';
import { type CedarEvaluator, prepareCedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';
import type { EngineDecision } from '../../../../engine/model/index.ts';
import { cedarEvaluator, request } from './cedar-fixtures.ts';

let evaluator: CedarEvaluator | undefined;
afterEach(() => evaluator?.close());

function decide(policy: string, input = request()): EngineDecision {
  evaluator?.close();
  evaluator = cedarEvaluator(policy);
  return evaluator.evaluate(input);
}

describe('Cedar outcomes and annotations', () => {
  it('allows when a permit matches, naming it as determining', () => {
    const d = decide('@id("dba-all") permit(principal in Group::"dba", action, resource);');
    expect(d).toEqual({ engine: 'cedar', effect: 'allow', reasons: [], obligations: {}, determining: ['dba-all'], errors: [] });
  });

  it('denies by default when no permit matches, with the default-deny reason', () => {
    const d = decide('permit(principal in Group::"ops", action, resource);');
    expect(d.effect).toBe('deny');
    expect(d.reasons).toEqual(['cedar: no permit policy matched (default deny)']);
    expect(d.determining).toEqual([]);
  });

  it('uses file:line of the policy\'s first token as the id of an un-annotated policy', () => {
    const d = decide('// header\n\npermit(principal, action, resource);\n\n@reason("x")\npermit(principal, action, resource);');
    expect(d.determining.sort()).toEqual(['policy.cedar:3', 'policy.cedar:5']);
  });

  it('lets a forbid beat a permit, with "forbidden" when it has no @reason', () => {
    const d = decide('permit(principal, action, resource);\nforbid(principal, action, resource) when { resource.env == "prod" };');
    expect(d.effect).toBe('deny');
    expect(d.reasons).toEqual(['cedar:policy.cedar:2: forbidden']);
    expect(d.determining).toEqual(['policy.cedar:2']);
  });

  it('uses @reason text in a forbid\'s reason', () => {
    const d = decide('permit(principal, action, resource);\n@id("no-prod") @reason("prod is frozen")\nforbid(principal, action, resource) when { resource.env == "prod" };');
    expect(d.reasons).toEqual(['cedar:no-prod: prod is frozen']);
  });

  it('adds @reason of a determining permit to an allow', () => {
    const d = decide('@id("p") @reason("dba may query") permit(principal in Group::"dba", action, resource);');
    expect(d.effect).toBe('allow');
    expect(d.reasons).toEqual(['cedar:p: dba may query']);
  });

  it('turns a determining permit with @approval into require_approval with its text', () => {
    const d = decide('@id("prod") @approval("prod needs a reviewer") permit(principal, action, resource) when { resource.env == "prod" };');
    expect(d.effect).toBe('require_approval');
    expect(d.reasons).toEqual(['cedar:prod: prod needs a reviewer']);
  });

  it('requires approval when ANY determining permit has @approval, even if another permit allows outright', () => {
    const d = decide(`
@id("dba") permit(principal in Group::"dba", action, resource);
@id("prod") @approval("prod needs a reviewer")
permit(principal, action, resource) when { resource.env == "prod" };`);
    expect(d.effect).toBe('require_approval');
    expect(d.determining.sort()).toEqual(['dba', 'prod']);
    expect(d.reasons).toEqual(['cedar:prod: prod needs a reviewer']);
  });

  it('exempts a group from @approval only through `unless` on the approval permit', () => {
    const policy = `
@id("dba") permit(principal in Group::"dba", action, resource);
@id("prod") @approval("prod needs a reviewer")
permit(principal, action, resource) when { resource.env == "prod" } unless { principal in Group::"breakglass" };`;
    expect(decide(policy).effect).toBe('require_approval');
    const exempt = decide(policy, request({ subject: { id: 'alice', groups: ['dba', 'breakglass'] } }));
    expect(exempt.effect).toBe('allow');
    expect(exempt.determining).toEqual(['dba']);
  });

  it('unions and trims @mask columns of all determining permits into obligations.mask', () => {
    const d = decide(`
@id("a") @mask(" email , ssn,") permit(principal, action, resource);
@id("b") @mask("ssn,phone") permit(principal in Group::"dba", action, resource);
@id("c") @mask("salary") permit(principal in Group::"ops", action, resource);`);
    expect(d.effect).toBe('allow');
    expect(d.obligations).toEqual({ mask: ['email', 'ssn', 'phone'] });
  });

  it('keeps @mask obligations on require_approval', () => {
    const d = decide('@approval("why") @mask("email") permit(principal, action, resource);');
    expect(d).toMatchObject({ effect: 'require_approval', obligations: { mask: ['email'] } });
  });

  it('denies when any policy errors, even though another permit matches', () => {
    const d = decide(`
@id("open") permit(principal, action, resource);
@id("owner-check") permit(principal, action, resource) when { resource.owner == principal };`);
    expect(d.effect).toBe('deny');
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatch(/^cedar:owner-check: evaluation error: .*owner/);
    expect(d.reasons).toEqual(d.errors);
    expect(d.determining).toEqual(['owner-check']);
  });

  it('denies when a forbid errors (Cedar would skip it and allow)', () => {
    const d = decide('permit(principal, action, resource);\n@id("f") forbid(principal, action, resource) when { context.sql.text like "*DROP*" };');
    expect(d.effect).toBe('deny');
    expect(d.errors[0]).toMatch(/^cedar:f: evaluation error: /);
  });

  it('does not error when a guarded attribute is absent', () => {
    const d = decide('permit(principal, action, resource) unless { resource has owner && resource.owner != principal };');
    expect(d.effect).toBe('allow');
  });

  it('denies every request after close()', () => {
    const e = cedarEvaluator('permit(principal, action, resource);');
    expect(e.evaluate(request()).effect).toBe('allow');
    e.close();
    const d = e.evaluate(request());
    expect(d.effect).toBe('deny');
    expect(d.errors[0]).toMatch(/closed/);
  });

  it('keeps revisions apart: closing one evaluator does not affect another with the same revision', () => {
    const a = prepareCedarEvaluator({ revision: 'same', policies: [{ file: 'a.cedar', text: 'permit(principal, action, resource);' }] });
    const b = prepareCedarEvaluator({ revision: 'same', policies: [{ file: 'b.cedar', text: 'forbid(principal, action, resource);' }] });
    expect(a.evaluate(request()).effect).toBe('allow');
    expect(b.evaluate(request()).effect).toBe('deny');
    b.close();
    expect(a.evaluate(request()).effect).toBe('allow');
    a.close();
  });
});
