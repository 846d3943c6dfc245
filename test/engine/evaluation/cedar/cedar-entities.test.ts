import { afterEach, describe, expect, it } from 'vitest';
import type { CedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';
import { cedarEvaluator, request } from './cedar-fixtures.ts';

let evaluator: CedarEvaluator | undefined;
afterEach(() => evaluator?.close());

const entities = [
  { uid: { type: 'Group', id: 'dba' }, attrs: {}, parents: [{ type: 'Group', id: 'engineering' }] },
  { uid: { type: 'Group', id: 'engineering' }, attrs: {}, parents: [] },
  { uid: { type: 'User', id: 'alice' }, attrs: { team: 'data', level: 3 }, parents: [{ type: 'Group', id: 'oncall' }] },
  { uid: { type: 'Database', id: 'orders' }, attrs: { env: 'dev', owner: { __entity: { type: 'User', id: 'alice' } }, tier: 1 }, parents: [{ type: 'Cluster', id: 'main' }] },
  { uid: { type: 'Cluster', id: 'main' }, attrs: {}, parents: [] },
];

function effectOf(policy: string, input = request()): string {
  evaluator?.close();
  evaluator = cedarEvaluator(policy, entities);
  return evaluator.evaluate(input).effect;
}

describe('Cedar static entities (entities.json) merged with the request', () => {
  it('follows static group hierarchy from the request groups (dba in engineering)', () => {
    expect(effectOf('permit(principal in Group::"engineering", action, resource);')).toBe('allow');
  });

  it('unions static parents of the principal with the request groups', () => {
    expect(effectOf('permit(principal in Group::"oncall", action, resource);')).toBe('allow');
    expect(effectOf('permit(principal in Group::"dba", action, resource);')).toBe('allow');
  });

  it('keeps static principal attributes the request does not set', () => {
    expect(effectOf('permit(principal, action, resource) when { principal.team == "data" && principal.level == 3 };')).toBe('allow');
  });

  it('lets request resource attributes win over static ones and keeps the rest', () => {
    // static env is dev, the request says prod
    expect(effectOf('permit(principal, action, resource) when { resource.env == "prod" && resource.tier == 1 };')).toBe('allow');
    expect(effectOf('permit(principal, action, resource) when { resource.owner == principal };')).toBe('allow');
  });

  it('keeps static resource parents', () => {
    expect(effectOf('permit(principal, action, resource in Cluster::"main");')).toBe('allow');
  });

  it('creates Group entities for request groups absent from entities.json', () => {
    const input = request({ subject: { id: 'bob', groups: ['auditors'] } });
    expect(effectOf('permit(principal in Group::"auditors", action, resource);', input)).toBe('allow');
    expect(effectOf('permit(principal in Group::"engineering", action, resource);', input)).toBe('deny');
  });
});
