import type { CedarPolicyInfo } from '../evaluation/index.ts';
import type { DecisionTestResult } from '../bundle/index.ts';

export interface CedarPolicyRef {
  id: string;
  file: string;
  line: number;
  effect: 'permit' | 'forbid';
}

export interface CedarCoverage {
  policies: CedarPolicyRef[];
  uncovered: CedarPolicyRef[];
}

/**
 * Cedar has no line coverage; what it reports is which policies determined each answer. A
 * policy that never determined any test's answer is untested: its conditions may be wrong in
 * a way no test would notice.
 */
export function cedarPolicyCoverage(policies: readonly CedarPolicyInfo[], results: readonly DecisionTestResult[]): CedarCoverage {
  const seen = new Set<string>();
  for (const result of results) {
    for (const engine of result.got.engines) {
      if (engine.engine === 'cedar') for (const id of engine.determining) seen.add(id);
    }
  }
  const refs = policies.map(({ id, file, line, effect }) => ({ id, file, line, effect }));
  return { policies: refs, uncovered: refs.filter((p) => !seen.has(p.id)) };
}
