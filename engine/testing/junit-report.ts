import type { ReportedTest, TestRunSummary } from './test-run-summary.ts';

/**
 * JUnit XML (`--format junit`) as CI systems read it: one <testsuite> per file, one <testcase>
 * per decision case or Rego unit test, and a `coverage` suite whose single case fails when
 * --min-coverage is not reached (so the CI view shows why the run failed).
 */
export function formatJunitReport(summary: TestRunSummary): string {
  const byFile = new Map<string, ReportedTest[]>();
  for (const test of summary.tests) byFile.set(test.file, [...(byFile.get(test.file) ?? []), test]);

  const suites: string[] = [];
  for (const [file, tests] of byFile) {
    const cases = tests.map((t) => {
      const attributes = `classname="${xml(file)}" name="${xml(t.name)}" file="${xml(file)}" line="${t.line}"`;
      if (t.status === 'pass') return `    <testcase ${attributes}/>`;
      if (t.status === 'skip') return `    <testcase ${attributes}>\n      <skipped/>\n    </testcase>`;
      const message = t.diff[0] ?? 'failed';
      return `    <testcase ${attributes}>\n      <failure message="${xml(message)}" type="${t.kind === 'rego' ? 'RegoTestFailure' : 'DecisionMismatch'}">${xml(t.diff.join('\n'))}</failure>\n    </testcase>`;
    });
    suites.push(suite(file, tests, cases));
  }

  const { coverage } = summary;
  const uncovered = coverage.uncovered.map((u) => `not covered: ${u.engine} ${u.location} ${u.name}`).join('\n');
  const coverageName = `coverage ${coverage.percent.toFixed(1)}%${coverage.minimum !== undefined ? ` >= ${coverage.minimum}%` : ''}`;
  const coverageCase = coverage.ok
    ? `    <testcase classname="coverage" name="${xml(coverageName)}">${uncovered ? `\n      <system-out>${xml(uncovered)}</system-out>\n    ` : ''}</testcase>`
    : `    <testcase classname="coverage" name="${xml(coverageName)}">\n      <failure message="${xml(`coverage ${coverage.percent.toFixed(1)}% is below --min-coverage ${coverage.minimum}%`)}" type="CoverageBelowMinimum">${xml(uncovered)}</failure>\n    </testcase>`;
  suites.push(`  <testsuite name="coverage" tests="1" failures="${coverage.ok ? 0 : 1}" errors="0" skipped="0">\n${coverageCase}\n  </testsuite>`);

  const failures = summary.failed + (coverage.ok ? 0 : 1);
  const total = summary.tests.length + 1;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gatehouse test" tests="${total}" failures="${failures}" errors="0" skipped="${summary.skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function suite(name: string, tests: ReportedTest[], cases: string[]): string {
  const failures = tests.filter((t) => t.status === 'fail').length;
  const skipped = tests.filter((t) => t.status === 'skip').length;
  return `  <testsuite name="${xml(name)}" tests="${tests.length}" failures="${failures}" errors="0" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 allows, so the rest can be dropped.
const NOT_XML_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for an XML attribute or element and drops characters XML 1.0 cannot carry. */
function xml(text: string): string {
  return text
    .replace(NOT_XML_CHARACTER, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
