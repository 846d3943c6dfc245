import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareCedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';
import { CedarEntityStore } from '../../../../engine/evaluation/cedar/cedar-entities.ts';
import { decisionFromCedarAnswer } from '../../../../engine/evaluation/cedar/cedar-outcome.ts';
import { policyReferences } from '../../../../engine/evaluation/cedar/cedar-policy-references.ts';
import { parseCedarSources } from '../../../../engine/evaluation/cedar/cedar-policy-set.ts';
import { buildCedarRequest } from '../../../../engine/evaluation/cedar/cedar-request.ts';
import { staticPolicyRecord } from '../../../../engine/evaluation/cedar/validate-cedar-policies.ts';
import type { DecisionInput } from '../../../../engine/model/index.ts';
import { request } from './cedar-fixtures.ts';

// The evaluator sends Cedar only the context keys, attributes and entities its policies can
// reach. These cases compare it with the unscoped call (every static entity, whole context).
const entities: EntityJson[] = [
  { uid: { type: 'Group', id: 'dba' }, attrs: { level: 2 }, parents: [{ type: 'Group', id: 'engineering' }] },
  { uid: { type: 'Group', id: 'engineering' }, attrs: { budget: 'high' }, parents: [{ type: 'Group', id: 'staff' }] },
  { uid: { type: 'Group', id: 'staff' }, attrs: {}, parents: [] },
  { uid: { type: 'User', id: 'alice' }, attrs: { team: 'data', manager: { __entity: { type: 'User', id: 'carol' } } }, parents: [] },
  { uid: { type: 'User', id: 'carol' }, attrs: { team: 'exec', clearance: 5 }, parents: [{ type: 'Group', id: 'execs' }] },
  { uid: { type: 'Database', id: 'orders' }, attrs: { env: 'dev', owner: { __entity: { type: 'Group', id: 'engineering' } }, meta: { tier: 1, steward: { __entity: { type: 'User', id: 'carol' } } } }, parents: [{ type: 'Cluster', id: 'main' }] },
  { uid: { type: 'Cluster', id: 'main' }, attrs: { region: 'eu' }, parents: [] },
  { uid: { type: 'Host', id: 'web-1' }, attrs: { env: 'prod' }, parents: [] },
  { uid: { type: 'Flag', id: 'freeze' }, attrs: { on: true }, parents: [] },
];

const POLICIES = `
@id("static-hierarchy") permit(principal in Group::"staff", action == Action::"db.query", resource) when { context has sql && context.sql.kinds.contains("select") };
@id("owner-chain") permit(principal, action == Action::"db.connect", resource) when { resource has owner && principal in resource.owner && resource.owner.budget == "high" };
@id("steward-clearance") permit(principal, action == Action::"db.export", resource) when { resource.meta.steward.clearance > 3 && principal.manager in Group::"execs" };
@id("literal-flag") forbid(principal, action, resource) when { Flag::"freeze".on && context.time > datetime("2030-01-01T00:00:00Z") };
@id("cluster") @mask("email") permit(principal, action == Action::"db.read", resource in Cluster::"main") when { resource.region == "eu" || principal has team };
@id("claims") permit(principal, action == Action::"ssh.exec", resource is Host) when { principal.claims.sub == "alice" && context has command.text };
@id("errors") forbid(principal, action == Action::"db.drop", resource) when { resource.missing == 1 || Flag::"nope".on };
`;

const WHOLE_CONTEXT = `@id("all") permit(principal, action, resource);
@id("whole") forbid(principal, action, resource) when { context == {"time": context.time} };`;

const inputs: DecisionInput[] = [
  request({ context: { sql: { text: 'SELECT 1', kinds: ['select'] }, unrelated: { deep: [1, 2, { x: 'y' }] } } }),
  request({ action: 'db.connect' }),
  request({ action: 'db.connect', subject: { id: 'bob', groups: ['engineering'] } }),
  request({ action: 'db.connect', resource: { type: 'Database', id: 'orders', attributes: { owner: 'not-an-entity' } } }),
  request({ action: 'db.export' }),
  request({ action: 'db.read', subject: { id: 'zed', groups: [] } }),
  request({ action: 'db.read', resource: { type: 'Database', id: 'orders', attributes: { region: 'us', extra: 'x' } }, subject: { id: 'zed', groups: [] } }),
  request({ action: 'ssh.exec', resource: { type: 'Host', id: 'web-1', attributes: {} }, subject: { id: 'alice', groups: [], claims: { sub: 'alice', other: 1 } }, context: { command: { text: 'ls' } } }),
  request({ action: 'db.drop', time: '2031-01-01T00:00:00Z' }),
  request({ action: 'db.query', time: '2031-01-01T00:00:00Z', context: { sql: { kinds: ['select'] } } }),
  request({ context: { a: 1 } }),
];

let revision = 0;
const openIds: string[] = [];
afterAll(() => {
  for (const id of openIds) preparsePolicySet(id, { staticPolicies: {} });
});

/** The unscoped call: every static entity and the whole context, as before scoping. */
function unscoped(text: string) {
  const { policies } = parseCedarSources([{ file: 'policy.cedar', text }]);
  const id = `unscoped-${++revision}`;
  openIds.push(id);
  preparsePolicySet(id, { staticPolicies: staticPolicyRecord(policies) });
  const byId = new Map(policies.map((p) => [p.id, p]));
  const store = new CedarEntityStore(entities);
  return (input: DecisionInput) => decisionFromCedarAnswer(statefulIsAuthorized(buildCedarRequest(input, store, id)), byId);
}

describe('Cedar request scoping (only what the policies can observe is sent)', () => {
  it.each([
    ['attribute, hierarchy, literal and error policies', POLICIES],
    ['a policy reading the whole context', WHOLE_CONTEXT],
  ])('gives the same decisions, reasons and errors as the unscoped call: %s', (_name, text) => {
    const evaluator = prepareCedarEvaluator({ revision: `scope-${++revision}`, policies: [{ file: 'policy.cedar', text }], entities });
    const reference = unscoped(text);
    try {
      const effects = new Set<string>();
      for (const input of inputs) {
        const decision = evaluator.evaluate(input);
        expect(decision).toEqual(reference(input));
        effects.add(decision.errors.length > 0 ? 'error' : decision.effect);
      }
      // The cases exercise both outcomes (and, for the first set, evaluation errors).
      expect([...effects]).toEqual(expect.arrayContaining(text === POLICIES ? ['allow', 'deny', 'error'] : ['allow', 'deny']));
    } finally {
      evaluator.close();
    }
  });

  it('finds context keys, attribute names and entity literals in the policies', () => {
    const refs = policyReferences([...parseCedarSources([{ file: 'p.cedar', text: POLICIES }]).policies.map((p) => p.text)]);
    expect([...(refs.contextKeys ?? [])].sort()).toEqual(['command', 'sql', 'time']);
    expect(refs.attributes?.has('owner')).toBe(true);
    expect(refs.attributes?.has('clearance')).toBe(true);
    expect(refs.attributes?.has('env')).toBe(false);
    expect(refs.entityLiterals).toEqual(expect.arrayContaining([{ type: 'Flag', id: 'freeze' }, { type: 'Group', id: 'execs' }, { type: 'Cluster', id: 'main' }]));
  });

  it('keeps the whole context when a policy uses `context` other than by attribute', () => {
    expect(policyReferences([WHOLE_CONTEXT]).contextKeys).toBeUndefined();
  });
});

describe('Cedar answer cache (exact call → answer)', () => {
  const text = `@id("dba") @mask("email") permit(principal in Group::"dba", action == Action::"db.query", resource) when { resource.env != "prod" };
@id("owner") permit(principal, action == Action::"db.connect", resource) when { resource has owner && principal in resource.owner };`;

  it('answers a repeated request like a fresh call, with decisions callers cannot alter for each other', () => {
    const cached = prepareCedarEvaluator({ revision: `cache-${++revision}`, policies: [{ file: 'policy.cedar', text }], entities });
    const fresh = prepareCedarEvaluator({ revision: `cache-${++revision}`, policies: [{ file: 'policy.cedar', text }], entities, answerCacheSize: 0 });
    try {
      const dev = request({ resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } } });
      const first = cached.evaluate(dev);
      expect(first.effect).toBe('allow');
      first.reasons.push('altered');
      (first.obligations.mask as string[]).push('altered');
      first.determining.length = 0;
      for (const input of [dev, request(), request({ action: 'db.connect' }), request({ subject: { id: 'bob', groups: [] } }), dev]) {
        expect(cached.evaluate(input)).toEqual(fresh.evaluate(input));
      }
    } finally {
      cached.close();
      fresh.close();
    }
  });
});
