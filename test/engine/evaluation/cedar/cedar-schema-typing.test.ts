import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CedarEvaluator, CedarPolicyError, prepareCedarEvaluator, validateCedarPolicies } from '../../../../engine/evaluation/cedar/index.ts';
import { request } from './cedar-fixtures.ts';

// entities.json and request data typed by the schema, once, the way Cedar reads them with it;
// and integers held exactly or refused with the value and the limit.

const SCHEMA = {
  file: 'schema.cedarschema',
  text: `entity Group;
entity User in [Group] { level?: Long };
entity Account { owner: User, admins: Set<User> };
entity Database { account?: Account, net?: ipaddr, budget?: decimal, since?: datetime };
type Window = { start: datetime, length: duration };
action "db.query", "db.connect" in [Action::"read"] appliesTo {
  principal: User, resource: Database,
  context: { source?: ipaddr, amount?: decimal, window?: Window, owner?: User }
};
action "read";
`,
};

// Entity references in the plain {"type", "id"} form, extension values as strings: valid only with the schema.
const ENTITIES = JSON.stringify([
  { uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [] },
  { uid: { type: 'Account', id: 'acme' }, attrs: { owner: { type: 'User', id: 'alice' }, admins: [{ type: 'User', id: 'bob' }] }, parents: [] },
  {
    uid: { type: 'Database', id: 'orders' },
    attrs: { account: { type: 'Account', id: 'acme' }, net: '10.0.0.0/8', budget: '12.50', since: '2026-01-01' },
    parents: [],
  },
]);

let evaluator: CedarEvaluator | undefined;
afterEach(() => {
  evaluator?.close();
  evaluator = undefined;
});

function withSchema(policy: string, entities: string = ENTITIES): CedarEvaluator {
  evaluator?.close();
  evaluator = prepareCedarEvaluator({ revision: 'typing', policies: [{ file: 'policy.cedar', text: policy }], schema: SCHEMA, entities, entitiesFile: 'entities.json' });
  return evaluator;
}

const orders = (attributes = {}, context = {}) =>
  request({ subject: { id: 'alice' }, action: 'db.query', resource: { type: 'Database', id: 'orders', attributes }, context });

describe('entities.json typed by the schema', () => {
  it('reads plain {"type", "id"} as entity references where the schema declares an entity (validation and evaluation alike)', () => {
    const e = withSchema('permit(principal, action, resource) when { resource has account && resource.account.owner == principal };');
    expect(e.evaluate(orders()).effect).toBe('allow');
    expect(e.evaluate(request({ subject: { id: 'bob' }, resource: { type: 'Database', id: 'orders' } })).effect).toBe('deny');
    const admins = withSchema('permit(principal, action, resource) when { resource has account && resource.account.admins.contains(User::"bob") };');
    expect(admins.evaluate(orders()).effect).toBe('allow');
  });

  it('reads strings as ip, decimal and datetime where the schema declares them', () => {
    const e = withSchema(`permit(principal, action, resource) when {
      resource has net && resource has budget && resource has since &&
      resource.net.isInRange(ip("10.0.0.0/7")) && resource.budget.greaterThan(decimal("12.4")) &&
      resource.since < datetime("2026-02-01")
    };`);
    expect(e.evaluate(orders()).effect).toBe('allow');
  });

  it("adds the schema's actions with their groups, so `action in` a group declared only in the schema matches", () => {
    const e = withSchema('permit(principal, action in Action::"read", resource);');
    expect(e.evaluate(orders()).effect).toBe('allow');
    expect(e.evaluate(request({ subject: { id: 'alice' }, action: 'db.drop', resource: { type: 'Database', id: 'orders' } })).effect).toBe('deny');
  });

  it('without a schema the same file is a record, not a reference (Cedar reads it that way too)', () => {
    const diagnostics = validateCedarPolicies({ policies: [], entities: ENTITIES });
    expect(diagnostics).toEqual([]);
    evaluator = prepareCedarEvaluator({ revision: 'untyped', policies: [{ file: 'p.cedar', text: 'permit(principal, action, resource) when { resource.account.owner == principal };' }], entities: ENTITIES });
    const decision = evaluator.evaluate(orders());
    expect(decision.effect).toBe('deny');
    expect(decision.reasons[0]).toMatch(/^cedar:p\.cedar:1: evaluation error: /);
  });
});

describe('request data typed by the schema', () => {
  it('types resource attributes by the resource entity type and context by the action', () => {
    const e = withSchema(`permit(principal, action, resource) when {
      resource has net && context has source && context has amount && context has window && context has owner &&
      resource.net.isInRange(ip("192.168.0.0/16")) && context.source.isLoopback() &&
      context.amount.lessThan(decimal("2.0")) && context.window.length > duration("1h") &&
      context.owner == principal
    };`);
    const input = orders(
      { net: '192.168.1.0/24' },
      { source: '127.0.0.1', amount: '1.5', window: { start: '2026-01-01', length: '90m' }, owner: { type: 'User', id: 'alice' } },
    );
    expect(e.evaluate(input).effect).toBe('allow');
    // Not typed for an action the schema does not declare: the strings stay strings (an error, so deny).
    expect(e.evaluate({ ...input, action: 'db.export' }).effect).toBe('deny');
  });
});

describe('integers in entities.json', () => {
  const entity = (value: string) => `[{"uid": {"type": "User", "id": "big"}, "attrs": {"level": ${value}}, "parents": []}]`;
  const policy = 'permit(principal, action, resource) when { principal has level && principal.level > 0 };';
  const prepare = (value: string) => () => withSchema(policy, entity(value));
  const exact = typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function';

  it('keeps Longs within ±(2^53−1) as they are', () => {
    expect(withSchema(policy, entity('9007199254740991')).evaluate(request({ subject: { id: 'big' }, resource: { type: 'Database', id: 'x' } })).effect).toBe('allow');
  });

  it('refuses a value outside the 64-bit Long range, naming entity, attribute, value and limit', () => {
    expect(prepare('9223372036854775808')).toThrow(
      new CedarPolicyError([{ file: 'entities.json', message: 'entity User::"big" attribute level: 9223372036854775808 is outside Cedar\'s Long range (-9223372036854775808 to 9223372036854775807)' }]),
    );
    expect(prepare('1.5')).toThrow(/^entities\.json: entity User::"big" attribute level: 1\.5 is not an integer/);
  });

  it('a Long past 2^53 reaches Cedar exactly where JSON.rawJSON exists, else is refused naming entity, attribute, value and limit', () => {
    const big = request({ subject: { id: 'big' }, resource: { type: 'Database', id: 'x' } });
    if (exact) {
      expect(prepare('9223372036854775807')().evaluate(big).effect).toBe('allow');
      return;
    }
    expect(prepare('9223372036854775807')).toThrow(
      `entities.json: entity User::"big" attribute level: 9223372036854775807 is beyond ±9007199254740991, the largest Long this Node.js (${process.version}) can pass to Cedar exactly (Node.js 22 or later carries the full 64-bit range)`,
    );
  });

  it('carries 64-bit Longs exactly to Cedar where Node.js has JSON.rawJSON', () => {
    // Node.js 20 has JSON.rawJSON behind a V8 flag: the check runs in a child process with it.
    const script = `
      const { prepareCedarEvaluator } = await import(${JSON.stringify(join(import.meta.dirname, '../../../../engine/evaluation/cedar/index.ts'))});
      const entities = '[{"uid": {"type": "User", "id": "big"}, "attrs": {"level": 9223372036854775807, "low": -9223372036854775808}, "parents": []}]';
      const answer = (condition) => {
        const e = prepareCedarEvaluator({ revision: 'x', policies: [{ file: 'p.cedar', text: 'permit(principal, action, resource) when { ' + condition + ' };' }], entities });
        const effect = e.evaluate({ subject: { id: 'big' }, action: 'a', resource: { type: 'R', id: 'r' }, context: {}, time: '2026-01-01T00:00:00Z' }).effect;
        e.close();
        return effect;
      };
      console.log(JSON.stringify([
        answer('principal.level == 9223372036854775807'),
        answer('principal.level == 9223372036854775806'),
        answer('principal.level - 1 == 9223372036854775806'),
        answer('principal.low == -9223372036854775808'),
      ]));`;
    const flags = exact ? [] : ['--harmony-json-parse-with-source'];
    const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(['allow', 'deny', 'allow', 'allow']);
  });
});
