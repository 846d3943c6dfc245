import type { TestRunSummary } from './test-run-summary.ts';

/**
 * The human report: `PASS|FAIL  <file>  <name>` per test, the diff under each failure, the
 * coverage section, and the final `N passed, M failed` line.
 */
export function formatTextReport(summary: TestRunSummary): string {
  const lines: string[] = [];
  for (const test of summary.tests) {
    lines.push(`${test.status.toUpperCase()}  ${test.file}  ${test.name}`);
    if (test.status === 'fail') {
      lines.push(`      at ${test.file}:${test.line}`);
      lines.push(...test.diff.map((d) => `      ${d}`));
    }
  }
  const { coverage } = summary;
  lines.push('');
  lines.push(
    `coverage: ${coverage.percent.toFixed(1)}% (${coverage.covered}/${coverage.total}: ` +
      `rego ${coverage.rego.covered}/${coverage.rego.total} rules, cedar ${coverage.cedar.covered}/${coverage.cedar.total} policies)`,
  );
  for (const error of coverage.errors) lines.push(`  ${error}`);
  for (const item of coverage.uncovered) {
    lines.push(`  not covered  ${item.engine.padEnd(5)}  ${item.location}  ${item.name}`);
  }
  if (!coverage.ok) lines.push(`coverage ${coverage.percent.toFixed(1)}% is below --min-coverage ${coverage.minimum}%`);
  lines.push(`${summary.passed} passed, ${summary.failed} failed${summary.skipped > 0 ? `, ${summary.skipped} skipped` : ''}`);
  return lines.join('\n') + '\n';
}

/** The machine report (`--format json`): the summary without the per-case inputs. */
export function formatJsonReport(summary: TestRunSummary): string {
  return JSON.stringify(
    {
      passed: summary.passed,
      failed: summary.failed,
      skipped: summary.skipped,
      tests: summary.tests,
      coverage: summary.coverage,
    },
    null,
    2,
  ) + '\n';
}
