import { evaluateRequest } from '../bundle/index.ts';
import type { Decision } from '../model/index.ts';
import type { DecisionInput } from '../model/index.ts';
import type { PreparedBundle } from '../bundle/index.ts';
import type { DecisionTestFile, DecisionTestResult } from '../bundle/index.ts';
import { matchExpectation } from './match-expectation.ts';

export { parseDecisionTestFile } from '../bundle/index.ts';
export { DecisionTestError } from '../bundle/index.ts';
export type { DecisionExpectation, DecisionTestCase, DecisionTestFile, DecisionTestResult } from '../bundle/index.ts';

export interface RunDecisionTestsOptions {
  /** Only cases whose name (or `file: name`) matches. */
  run?: RegExp;
  /** The evaluation path; the default is the one the service uses (facts, then both engines). */
  evaluate?: (bundle: PreparedBundle, input: DecisionInput) => Decision;
}

/**
 * Evaluates every case on a prepared bundle, exactly as the service would, and compares the
 * combined decision with the expectation. Used by `gatehouse test` and by loadBundle, which
 * refuses a bundle whose own tests fail.
 */
export function runDecisionTests(
  bundle: PreparedBundle,
  files: DecisionTestFile[],
  options: RunDecisionTestsOptions = {},
): DecisionTestResult[] {
  const evaluate = options.evaluate ?? evaluateRequest;
  const results: DecisionTestResult[] = [];
  for (const file of files) {
    for (const testCase of file.cases) {
      if (options.run && !options.run.test(testCase.name) && !options.run.test(`${file.file}: ${testCase.name}`)) continue;
      // Each case gets its own copy so that nothing an evaluation does can leak into another case.
      const input = structuredClone(testCase.input);
      let got: Decision;
      try {
        got = evaluate(bundle, input);
      } catch (error) {
        got = { effect: 'deny', reasons: [], obligations: {}, engines: [] };
        const diff = [`evaluation threw: ${error instanceof Error ? error.message : String(error)}`];
        results.push({ file: file.file, line: testCase.line, name: testCase.name, passed: false, expected: testCase.expect, got, diff, input });
        continue;
      }
      const diff = matchExpectation(testCase.expect, got);
      results.push({ file: file.file, line: testCase.line, name: testCase.name, passed: diff.length === 0, expected: testCase.expect, got, diff, input });
    }
  }
  return results;
}
