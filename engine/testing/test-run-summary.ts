import { join } from 'node:path';
import type { PolicyDirTestReport } from './test-policy-dir.ts';

/** One line of the report: a decision case or a Rego unit test, with its file as the user names it. */
export interface ReportedTest {
  kind: 'decision' | 'rego';
  /** The policy dir joined with the file, e.g. policy/tests/db.yaml. */
  file: string;
  line: number;
  name: string;
  status: 'pass' | 'fail' | 'skip';
  diff: string[];
}

export interface UncoveredItem {
  engine: 'rego' | 'cedar';
  /** file:line as the user names it. */
  location: string;
  /** Rego rule path or Cedar policy id. */
  name: string;
}

export interface TestRunSummary {
  tests: ReportedTest[];
  passed: number;
  failed: number;
  skipped: number;
  coverage: {
    covered: number;
    total: number;
    /** 100 when there is nothing to cover. */
    percent: number;
    rego: { covered: number; total: number };
    cedar: { covered: number; total: number };
    uncovered: UncoveredItem[];
    /** Why part of the coverage could not be measured. */
    errors: string[];
    minimum?: number;
    /** False when a --min-coverage was given and not reached. */
    ok: boolean;
  };
}

/** Flattens the per-directory reports into what every output format prints. */
export function summarizeTestRun(reports: readonly PolicyDirTestReport[], minCoverage?: number): TestRunSummary {
  const tests: ReportedTest[] = [];
  const uncovered: UncoveredItem[] = [];
  const errors: string[] = [];
  const rego = { covered: 0, total: 0 };
  const cedar = { covered: 0, total: 0 };
  for (const report of reports) {
    for (const r of report.decisionTests) {
      tests.push({ kind: 'decision', file: join(report.dir, r.file), line: r.line, name: r.name, status: r.passed ? 'pass' : 'fail', diff: r.diff });
    }
    for (const r of report.regoTests) {
      const status = r.skipped ? 'skip' : r.passed ? 'pass' : 'fail';
      tests.push({ kind: 'rego', file: join(report.dir, r.file), line: r.line, name: r.name, status, diff: r.diff });
    }
    const { rego: regoCoverage, cedar: cedarCoverage } = report.coverage;
    rego.total += regoCoverage.rules.length;
    rego.covered += regoCoverage.rules.length - regoCoverage.uncovered.length;
    cedar.total += cedarCoverage.policies.length;
    cedar.covered += cedarCoverage.policies.length - cedarCoverage.uncovered.length;
    if (regoCoverage.error) errors.push(`${report.dir}: rego coverage unknown: ${regoCoverage.error}`);
    for (const rule of regoCoverage.uncovered) {
      uncovered.push({ engine: 'rego', location: `${join(report.dir, rule.file)}:${rule.line}`, name: rule.name });
    }
    for (const policy of cedarCoverage.uncovered) {
      uncovered.push({ engine: 'cedar', location: `${join(report.dir, policy.file)}:${policy.line}`, name: `${policy.effect} ${policy.id}` });
    }
  }
  const covered = rego.covered + cedar.covered;
  const total = rego.total + cedar.total;
  // Rounded down to one decimal so that 99.96% never prints as a passing "100.0%".
  const percent = total === 0 ? 100 : Math.floor((covered / total) * 1000) / 10;
  const count = (status: ReportedTest['status']) => tests.filter((t) => t.status === status).length;
  return {
    tests,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    coverage: {
      covered,
      total,
      percent,
      rego,
      cedar,
      uncovered,
      errors,
      ...(minCoverage !== undefined ? { minimum: minCoverage } : {}),
      ok: minCoverage === undefined || (total === 0 ? 100 : (covered / total) * 100) >= minCoverage,
    },
  };
}

/** 0 when everything passed and coverage is sufficient, else 1. */
export function exitCodeOf(summary: TestRunSummary): number {
  return summary.failed === 0 && summary.coverage.ok ? 0 : 1;
}
