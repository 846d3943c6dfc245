import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../bundle/index.ts';
import { loadBundle } from './load-self-tested-bundle.ts';
import { readPolicyDir } from '../bundle/index.ts';
import { listCedarPolicies } from '../evaluation/index.ts';
import { computeFacts } from '../evaluation/index.ts';
import type { DecisionInput } from '../model/index.ts';
import { type CedarCoverage, cedarPolicyCoverage } from './cedar-coverage.ts';
import type { DecisionTestFile, DecisionTestResult } from '../bundle/index.ts';
import { parseDecisionTestFile } from '../bundle/index.ts';
import { type RegoCoverage, regoRuleCoverage } from './rego-coverage.ts';
import { type RegoUnitTestResult, runRegoUnitTests } from './rego-unit-tests.ts';
import { runDecisionTests } from './run-decision-tests.ts';

/** Everything `gatehouse test` learned about one policy directory. */
export interface PolicyDirTestReport {
  dir: string;
  decisionTests: DecisionTestResult[];
  regoTests: RegoUnitTestResult[];
  coverage: { rego: RegoCoverage; cedar: CedarCoverage };
}

export interface TestPolicyDirOptions {
  run?: RegExp;
}

/**
 * Tests one policy directory the way it will run: decision tests on the compiled bundle (built
 * to a temporary file and loaded like the service loads it), native Rego unit tests through
 * `opa test`, then coverage of both engines by the same decision-test inputs. File names in
 * the report are relative to the directory. Any load problem (YAML, Rego, Cedar, bundle) throws
 * an error with a GATEHOUSE_ code, before any case runs.
 */
export async function testPolicyDir(dir: string, options: TestPolicyDirOptions = {}): Promise<PolicyDirTestReport> {
  const policy = await readPolicyDir(dir);
  // Parse the test files first: a typo in a YAML file should not wait for a Rego compile.
  const files: DecisionTestFile[] = policy.tests.map((source) => parseDecisionTestFile(source.file, source.text));

  const work = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  try {
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle(dir, bundlePath);
    // After the build, so that a policy that does not compile is reported by the compiler.
    const regoTests = runRegoUnitTests(policy.root, policy.rego, policy.regoTests, policy.data?.file, options.run);
    // The bundle's own tests are exactly the cases below; running them twice would only hide
    // the per-case report behind a load error.
    const bundle = await loadBundle(bundlePath, { runOwnTests: false });
    let decisionTests: DecisionTestResult[];
    try {
      decisionTests = runDecisionTests(bundle, files, { run: options.run });
    } finally {
      bundle.close();
    }
    const rego = policy.requiredEngines.includes('rego')
      ? regoRuleCoverage(policy.root, policy.rego, policy.data?.file, policy.entrypoint, decisionTests.map((r) => withFacts(r.input)))
      : { rules: [], uncovered: [] };
    const cedar = policy.requiredEngines.includes('cedar')
      ? cedarPolicyCoverage(listCedarPolicies(policy.cedar), decisionTests)
      : { policies: [], uncovered: [] };
    return { dir, decisionTests, regoTests, coverage: { rego, cedar } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The input as the engines saw it: facts computed from the raw text, as evaluateRequest does. */
function withFacts(input: DecisionInput): DecisionInput {
  const facts = computeFacts(input.context);
  return facts.errors.length > 0 ? input : { ...input, context: facts.context };
}
