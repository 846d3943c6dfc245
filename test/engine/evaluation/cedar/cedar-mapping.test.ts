import { afterEach, describe, expect, it } from 'vitest';
import type { CedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';
import { cedarEvaluator, request } from './cedar-fixtures.ts';

let evaluator: CedarEvaluator | undefined;
afterEach(() => evaluator?.close());

function effectOf(policy: string, input = request()): string {
  evaluator?.close();
  evaluator = cedarEvaluator(policy);
  return evaluator.evaluate(input).effect;
}

describe('Cedar request mapping', () => {
  it('maps the subject to User::"<id>" with its groups as Group parents', () => {
    expect(effectOf('permit(principal == User::"alice", action, resource);')).toBe('allow');
    expect(effectOf('permit(principal in Group::"dba", action, resource);')).toBe('allow');
    expect(effectOf('permit(principal in Group::"ops", action, resource);')).toBe('deny');
    expect(effectOf('permit(principal in Group::"dba", action, resource);', request({ subject: { id: 'bob' } }))).toBe('deny');
  });

  it('uses subject.type as the principal entity type when given', () => {
    const input = request({ subject: { id: 'ci-7', type: 'Agent', groups: [] } });
    expect(effectOf('permit(principal == Agent::"ci-7", action, resource);', input)).toBe('allow');
    expect(effectOf('permit(principal is User, action, resource);', input)).toBe('deny');
  });

  it('exposes the subject claims as principal.claims', () => {
    const input = request({ subject: { id: 'alice', claims: { email: 'a@example.com' } } });
    expect(effectOf('permit(principal, action, resource) when { principal.claims.email == "a@example.com" };', input)).toBe('allow');
  });

  it('maps the action to Action::"<action>"', () => {
    expect(effectOf('permit(principal, action == Action::"db.query", resource);')).toBe('allow');
    expect(effectOf('permit(principal, action in [Action::"ssh.exec", Action::"db.connect"], resource);')).toBe('deny');
  });

  it('maps the resource to <type>::"<id>" with its attributes', () => {
    const policy = 'permit(principal, action, resource == Database::"orders") when { resource.env == "prod" };';
    expect(effectOf(policy)).toBe('allow');
    expect(effectOf(policy, request({ resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } } }))).toBe('deny');
    expect(effectOf('permit(principal, action, resource is Host);')).toBe('deny');
  });

  it('passes the request context, nested records and arrays as sets', () => {
    const input = request({
      context: { sql: { statements: [{ kind: 'select', tables: ['orders', 'users'], hasWhere: true }] }, tags: ['a', 'b'] },
    });
    expect(effectOf('permit(principal, action, resource) when { context.tags.containsAll(["b", "a"]) };', input)).toBe('allow');
    expect(
      effectOf(
        'permit(principal, action, resource) when { context.sql.statements.contains({kind: "select", tables: ["users", "orders"], hasWhere: true}) };',
        input,
      ),
    ).toBe('allow');
  });

  it('sets context.time to a Cedar datetime of input.time, replacing any caller-supplied time', () => {
    const policy = `permit(principal, action, resource) when {
      context.time >= datetime("2026-11-25T09:00:00Z") && context.time.toTime() < duration("17h")
    };`;
    expect(effectOf(policy, request({ context: { time: '2020-01-01T00:00:00Z' } }))).toBe('allow');
    expect(effectOf(policy, request({ time: '2026-11-25T18:30:00Z' }))).toBe('deny');
    expect(effectOf(policy, request({ time: '2026-11-25T12:00:00+02:00' }))).toBe('allow');
    expect(effectOf(policy, request({ time: '2026-11-25T10:00:00+02:00' }))).toBe('deny');
    expect(effectOf(policy, request({ time: '2026-11-25T10:00:00.123456789Z' }))).toBe('allow');
  });

  it('denies with a reason when input.time is not an RFC 3339 instant', () => {
    evaluator = cedarEvaluator('permit(principal, action, resource);');
    const decision = evaluator.evaluate(request({ time: 'yesterday' }));
    expect(decision.effect).toBe('deny');
    expect(decision.errors[0]).toMatch(/^cedar: evaluation failed: request time "yesterday"/);
  });

  it('leaves null and fractional values out of Cedar\'s view', () => {
    const input = request({
      context: { a: null, b: 1.5, d: 42, list: [1, null, 2.5, 3] },
      resource: { type: 'Database', id: 'orders', attributes: { env: 'prod', ratio: 0.25, owner: null } },
    });
    expect(effectOf('permit(principal, action, resource) when { context has a || context has b };', input)).toBe('deny');
    expect(effectOf('permit(principal, action, resource) when { resource has ratio || resource has owner };', input)).toBe('deny');
    expect(effectOf('permit(principal, action, resource) when { context.d == 42 && context.list == [1, 3] };', input)).toBe('allow');
  });

  it('denies, naming the value and the limit, when a policy-visible integer is past 2^53 (no longer exact)', () => {
    evaluator = cedarEvaluator('permit(principal, action, resource) unless { context has c };');
    const decision = evaluator.evaluate(request({ context: { c: 2 ** 60 } }));
    expect(decision.effect).toBe('deny');
    expect(decision.reasons).toEqual([`cedar: evaluation failed: context.c: ${2 ** 60} is beyond ±9007199254740991, beyond which a JSON number in a request is no longer exact`]);
    const nested = evaluator.evaluate(request({ resource: { type: 'Database', id: 'o', attributes: { limits: [1, -(2 ** 62)] } } }));
    // resource attributes no policy names are not sent to Cedar, so they cannot deny
    expect(nested.effect).toBe('allow');
    evaluator.close();
    evaluator = cedarEvaluator('permit(principal, action, resource) when { resource has limits };');
    expect(evaluator.evaluate(request({ resource: { type: 'Database', id: 'o', attributes: { limits: [1, -(2 ** 62)] } } })).reasons[0]).toMatch(
      /^cedar: evaluation failed: resource\.attributes\.limits\[1\]: -4611686018427388000 is beyond/,
    );
  });

  it('drops __entity keys so a caller cannot forge entity references', () => {
    const input = request({ context: { owner: { __entity: { type: 'User', id: 'alice' } }, other: { __expr: 'principal' } } });
    expect(effectOf('permit(principal, action, resource) when { context.owner == principal };', input)).toBe('deny');
    expect(effectOf('permit(principal, action, resource) when { context.owner == {} && context.other == {} };', input)).toBe('allow');
  });

  it('passes extension values written in Cedar\'s JSON form (ip, decimal, datetime, duration)', () => {
    const input = request({
      context: {
        source: { __extn: { fn: 'ip', arg: '10.1.2.3' } },
        amount: { __extn: { fn: 'decimal', arg: '1.25' } },
        at: { __extn: { fn: 'datetime', arg: '2026-11-25' } },
        window: { __extn: { fn: 'duration', arg: '2h30m' } },
      },
      resource: { type: 'Database', id: 'orders', attributes: { net: { __extn: { fn: 'ip', arg: '10.0.0.0/8' } } } },
    });
    const policy = `permit(principal, action, resource) when {
      context.source.isInRange(resource.net) && context.amount.lessThan(decimal("1.5")) &&
      context.at < datetime("2026-11-26") && context.window > duration("2h")
    };`;
    expect(effectOf(policy, input)).toBe('allow');
    // Anything else under __extn is not an extension value: the key is dropped.
    const forged = request({ context: { source: { __extn: { fn: 'ip', arg: '10.1.2.3', extra: 1 } }, f: { __extn: { fn: 'offset', arg: 'x' } } } });
    expect(effectOf('permit(principal, action, resource) when { context.source == {} && context.f == {} };', forged)).toBe('allow');
    // An argument Cedar refuses makes the request fail, which denies.
    const bad = evaluator!.evaluate(request({ context: { source: { __extn: { fn: 'ip', arg: 'not-an-ip' } } } }));
    expect(bad.effect).toBe('deny');
  });

  it('denies a request whose resource type is not a Cedar name, never throwing', () => {
    evaluator = cedarEvaluator('permit(principal, action, resource);');
    const decision = evaluator.evaluate(request({ resource: { type: 'not a type', id: 'x' } }));
    expect(decision.effect).toBe('deny');
    expect(decision.errors[0]).toMatch(/^cedar: evaluation failed: /);
  });
});
