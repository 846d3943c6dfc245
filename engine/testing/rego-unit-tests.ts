import type { SourceFile } from '../bundle/index.ts';
import { opaComplaint, RegoToolError, runOpaProcess } from './opa-process.ts';

/** One native Rego unit test (`test_*` rule in a `*_test.rego` file) as `opa test` reported it. */
export interface RegoUnitTestResult {
  file: string;
  line: number;
  /** Fully qualified, e.g. data.gatehouse_test.test_select_allowed. */
  name: string;
  passed: boolean;
  skipped: boolean;
  diff: string[];
}

interface OpaTestRecord {
  location?: { file?: string; row?: number };
  package?: string;
  name?: string;
  fail?: boolean;
  skip?: boolean;
  error?: { message?: string; code?: string } | string;
  output?: string;
}

/**
 * Runs the native Rego unit tests of a policy dir through the real `opa test --format json`,
 * with the policy modules and data.json they test (not every JSON/YAML file in the directory,
 * which opa would otherwise load as data). A policy that does not compile is a load error.
 */
export function runRegoUnitTests(
  root: string,
  modules: SourceFile[],
  tests: SourceFile[],
  dataFile: string | undefined,
  run?: RegExp,
): RegoUnitTestResult[] {
  if (tests.length === 0) return [];
  const args = ['test', '--format', 'json', ...modules.map((m) => m.file), ...tests.map((t) => t.file)];
  if (dataFile) args.push(dataFile);
  const outcome = runOpaProcess(args, root);
  let records: OpaTestRecord[];
  try {
    records = JSON.parse(outcome.stdout) as OpaTestRecord[];
    if (!Array.isArray(records)) throw new Error('not a list');
  } catch {
    throw new RegoToolError(`${opaComplaint(outcome)} (while running the Rego unit tests with opa test)`);
  }
  const results = records
    .map((record): RegoUnitTestResult => {
      const file = record.location?.file ?? '(unknown)';
      const line = record.location?.row ?? 0;
      const name = `${record.package ?? 'data'}.${record.name ?? '?'}`;
      const failed = record.fail === true || record.error !== undefined;
      const diff: string[] = [];
      if (failed) {
        diff.push(`rego unit test ${name} at ${file}:${line} ${record.error ? 'raised an error' : 'was false or undefined'}`);
        const message = typeof record.error === 'string' ? record.error : record.error?.message;
        if (message) diff.push(`  error: ${message}`);
        // opa's JSON carries print() output as base64 bytes.
        const printed = record.output ? Buffer.from(record.output, 'base64').toString('utf8').trimEnd() : '';
        if (printed) diff.push(...printed.split('\n').map((l) => `  print: ${l}`));
      }
      return { file, line, name, passed: !failed, skipped: record.skip === true, diff };
    })
    .filter((r) => !run || run.test(r.name) || run.test(`${r.file}: ${r.name}`))
    .sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  if (results.some((r) => !r.passed)) attachFailingValues(results, runOpaProcess(['test', '--var-values', ...args.slice(3)], root).stdout);
  return results;
}

/**
 * The JSON report says only that a test failed; opa's text report with --var-values shows the
 * failing expression and the values in it, which is what an author needs to see.
 */
function attachFailingValues(results: RegoUnitTestResult[], text: string): void {
  const section = text.split(/^FAILURES$/m)[1];
  if (!section) return;
  let current: RegoUnitTestResult | undefined;
  for (const line of section.split('\n')) {
    if (/^-{20,}$/.test(line)) continue;
    const header = /^(data\.\S+): (FAIL|ERROR)/.exec(line);
    if (header) {
      current = results.find((r) => r.name === header[1]);
      continue;
    }
    if (current && line.trim() !== '' && !/^(PASS|FAIL|ERROR|SKIPPED): \d+\/\d+$/.test(line)) current.diff.push(`  ${line.trimEnd()}`);
  }
}
