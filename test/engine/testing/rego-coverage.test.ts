import { afterAll, describe, expect, it } from 'vitest';
import type { DecisionInput } from '../../../engine/model/index.ts';
import { listRegoRules, regoRuleCoverage } from '../../../engine/testing/rego-coverage.ts';
import { removePolicyDirs, writePolicyDir } from './policy-fixture.ts';

// Real opa: rules are listed by `opa parse`, coverage measured by `opa eval --coverage`.
const MODULE = `package gatehouse

import rego.v1

decision := {"effect": level, "reasons": [], "obligations": {}}

level := "allow" if {
	input.action == "read"
} else := "require_approval" if {
	input.action == "write"
} else := "deny"

late if time.clock([time.now_ns(), "UTC"])[0] >= 22

never if input.action == "nothing-sends-this"
`;

function request(action: string, time = '2026-11-25T10:00:00Z'): DecisionInput {
  return { subject: { id: 'a' }, action, resource: { type: 'Thing', id: 't' }, context: {}, time };
}

describe('Rego rule coverage', () => {
  afterAll(removePolicyDirs);
  const dir = writePolicyDir({ 'main.rego': MODULE });
  const modules = [{ file: 'main.rego', text: MODULE }];

  it('lists every rule definition and each else branch with file and line', () => {
    expect(listRegoRules(dir, 'main.rego').map((r) => `${r.file}:${r.line} ${r.name}`)).toEqual([
      'main.rego:5 data.gatehouse.decision',
      'main.rego:7 data.gatehouse.level',
      'main.rego:9 data.gatehouse.level (else)',
      'main.rego:11 data.gatehouse.level (else)',
      'main.rego:13 data.gatehouse.late',
      'main.rego:15 data.gatehouse.never',
    ]);
  });

  it('a rule counts as covered only when it produced a value for some case', () => {
    const coverage = regoRuleCoverage(dir, modules, undefined, 'gatehouse/decision', [request('read'), request('delete')]);
    expect(coverage.uncovered.map((r) => `${r.line} ${r.name}`)).toEqual([
      '9 data.gatehouse.level (else)',
      '13 data.gatehouse.late',
      '15 data.gatehouse.never',
    ]);
  });

  it("each case's own clock is time.now_ns() for the coverage run", () => {
    const lateModule = MODULE.replace('decision := {"effect": level,', 'decision := {"effect": level, "late": late,');
    const lateDir = writePolicyDir({ 'main.rego': lateModule });
    const coverage = regoRuleCoverage(lateDir, [{ file: 'main.rego', text: lateModule }], undefined, 'gatehouse/decision', [
      request('read', '2026-11-25T23:00:00Z'),
    ]);
    expect(coverage.uncovered.map((r) => r.name)).not.toContain('data.gatehouse.late');
  });

  it('no cases means nothing is covered', () => {
    const coverage = regoRuleCoverage(dir, modules, undefined, 'gatehouse/decision', []);
    expect(coverage.uncovered).toHaveLength(6);
  });
});
