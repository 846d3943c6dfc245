import { describe, expect, it } from 'vitest';
import { prepareCedarEvaluator } from '../../../engine/cedar/index.ts';
import { request } from './cedar-fixtures.ts';

// Measures, never asserts timing (no thresholds in tests): prints p50/p99 of evaluate for a
// realistic ten-policy set so regressions are visible in the test log.
const policies = `
@id("dba-query") permit(principal in Group::"dba", action == Action::"db.query", resource is Database);
@id("dba-connect") permit(principal in Group::"dba", action == Action::"db.connect", resource is Database);
@id("ops-ssh") permit(principal in Group::"ops", action in [Action::"ssh.connect", Action::"ssh.exec"], resource is Host);
@id("prod-approval") @approval("prod needs a reviewer")
permit(principal, action == Action::"db.query", resource) when { resource has env && resource.env == "prod" }
unless { principal in Group::"breakglass" };
@id("pii-mask") @mask("email,ssn") permit(principal in Group::"analyst", action == Action::"db.query", resource);
@id("no-drop") @reason("DROP is never allowed")
forbid(principal, action == Action::"db.query", resource) when { context has sql && context.sql has kinds && context.sql.kinds.contains("drop") };
@id("business-hours") forbid(principal in Group::"contractor", action, resource)
unless { context.time.toTime() >= duration("8h") && context.time.toTime() < duration("18h") };
@id("frozen") forbid(principal, action, resource) when { resource has frozen && resource.frozen };
@id("reviewers") permit(principal in Group::"security", action == Action::"approval.review", resource is Approval);
@id("owner") permit(principal, action, resource) when { resource has owner && resource.owner == principal.claims.sub };
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe('Cedar evaluate latency (measured, printed, not asserted)', () => {
  it('prints p50/p99 of evaluate for ten policies and four static entities', () => {
    const evaluator = prepareCedarEvaluator({
      revision: 'latency',
      policies: [{ file: 'bench.cedar', text: policies }],
      entities: [
        { uid: { type: 'Group', id: 'dba' }, attrs: {}, parents: [{ type: 'Group', id: 'engineering' }] },
        { uid: { type: 'Group', id: 'engineering' }, attrs: {}, parents: [] },
        { uid: { type: 'Group', id: 'security' }, attrs: {}, parents: [] },
        { uid: { type: 'Database', id: 'orders' }, attrs: { tier: 1 }, parents: [] },
      ],
    });
    const input = request({
      subject: { id: 'alice', groups: ['dba'], claims: { sub: 'alice', email: 'a@example.com' } },
      context: { sql: { text: 'SELECT id FROM orders', kinds: ['select'], statements: [{ kind: 'select', tables: ['orders'], hasWhere: false }] } },
    });
    expect(evaluator.evaluate(input).effect).toBe('require_approval');
    for (let i = 0; i < 300; i++) evaluator.evaluate(input);
    const samples: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const start = process.hrtime.bigint();
      evaluator.evaluate(input);
      samples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    samples.sort((a, b) => a - b);
    const p50 = percentile(samples, 50).toFixed(0);
    const p99 = percentile(samples, 99).toFixed(0);
    console.log(`cedar evaluate, 10 policies, 4 entities: p50 ${p50} µs, p99 ${p99} µs (${samples.length} samples)`);
    evaluator.close();
  });
});
