import { BundleError } from '../bundle/index.ts';
import { type PrepareBundleFileOptions, prepareBundleFile } from '../bundle/index.ts';
import { parseDecisionTestFile } from '../bundle/index.ts';
import type { PreparedBundle } from '../bundle/index.ts';
import { runDecisionTests } from './run-decision-tests.ts';

export interface LoadBundleOptions extends Omit<PrepareBundleFileOptions, 'selfTest'> {
  /** Run the bundle's own decision tests and refuse it if any fails (default true). */
  runOwnTests?: boolean;
}

/**
 * Reads, verifies, prepares and (unless told not to) self-tests a bundle: the bundle layer's
 * prepareBundleFile with this layer's decision-test runner injected. Every failure is a
 * BundleError and nothing is left running.
 */
export async function loadBundle(path: string, options: LoadBundleOptions = {}): Promise<PreparedBundle> {
  const { runOwnTests = true, ...rest } = options;
  return prepareBundleFile(path, runOwnTests ? { ...rest, selfTest: runOwnDecisionTests } : rest);
}

/** The bundle's own decision tests, run as the service would; the first failure refuses it. */
export function runOwnDecisionTests(bundle: PreparedBundle): void {
  const parsed = [];
  for (const [file, source] of bundle.decisionTests) {
    try {
      parsed.push(parseDecisionTestFile(file, source));
    } catch (error) {
      throw new BundleError(`decision tests: ${(error as Error).message}`);
    }
  }
  const results = runDecisionTests(bundle, parsed);
  const failed = results.filter((result) => !result.passed);
  if (failed.length === 0) return;
  const first = failed[0];
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more failing)` : '';
  throw new BundleError(`bundle's own decision test failed: '${first.name}': ${first.diff[0] ?? 'unexpected decision'}${more}`, first.file, first.line);
}
