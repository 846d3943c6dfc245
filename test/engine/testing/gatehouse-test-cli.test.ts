import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { basePolicy, CEDAR_POLICY, FAILING_REGO_UNIT_TEST, gatehouseTest, PASSING_TESTS, removePolicyDirs, writePolicyDir } from './policy-fixture.ts';

// Every test runs the real CLI on a policy directory written here: the bundle is built with
// the real opa, loaded like the service loads it, and Rego unit tests and coverage use opa too.

const FAILING_CASE = PASSING_TESTS.replace(
  '  - name: intern on prod is denied by cedar',
  `  - name: intern select expected allowed
    subject: ivan
    action: db.query
    resource: orders-prod
    context: { sql: { text: "SELECT 1" } }
    expect: { effect: allow }
  - name: intern on prod is denied by cedar`,
);

describe('gatehouse test', () => {
  afterAll(removePolicyDirs);

  it('a passing suite prints PASS per case and per Rego unit test, full coverage, and exits 0', async () => {
    const dir = writePolicyDir(basePolicy());
    const result = await gatehouseTest([dir, '--min-coverage', '100']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain(`PASS  ${dir}/tests/db.yaml  select by a dba is allowed with email masked`);
    expect(lines).toContain(`PASS  ${dir}/tests/db.yaml  intern on prod is denied by cedar`);
    expect(lines).toContain(`PASS  ${dir}/main_test.rego  data.gatehouse_test.test_select_is_allowed_in_the_day`);
    expect(result.stdout).toContain('coverage: 100.0% (');
    expect(result.stdout).not.toContain('not covered');
    expect(lines.at(-1)).toBe('8 passed, 0 failed');
  });

  it('a failing case exits 1 with a diff naming the case, the effects and the deciding Cedar policy', async () => {
    const dir = writePolicyDir(basePolicy({ 'tests/db.yaml': FAILING_CASE }));
    const result = await gatehouseTest([dir]);
    expect(result.code).toBe(1);
    const failure = result.stdout.split('\n');
    const at = failure.indexOf(`FAIL  ${dir}/tests/db.yaml  intern select expected allowed`);
    expect(at).toBeGreaterThan(-1);
    const diff = failure.slice(at + 1, at + 8).join('\n');
    expect(diff).toContain(`at ${dir}/tests/db.yaml:44`);
    expect(diff).toContain('effect: expected allow, got deny');
    expect(diff).toMatch(/cedar\s+deny\s+decided by interns-never-touch-prod/);
    expect(diff).toMatch(/rego\s+allow\s+decided by/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('8 passed, 1 failed');
  });

  it('malformed YAML exits 2 with one line naming the file and line', async () => {
    const dir = writePolicyDir(basePolicy({ 'tests/broken.yaml': 'now: "2026-11-25T10:00:00Z"\ncases:\n  - name: [unclosed\n' }));
    const result = await gatehouseTest([dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^gatehouse: ${dir}/tests/broken\\.yaml:\\d+: malformed YAML: .+\\n$`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('an unknown fixture exits 2 naming the fixture, file and line', async () => {
    const dir = writePolicyDir(basePolicy({ 'tests/db.yaml': PASSING_TESTS.replace('    subject: paula\n', '    subject: paola\n') }));
    const result = await gatehouseTest([dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `gatehouse: ${dir}/tests/db.yaml:20: case "select by a privileged dba is not masked": unknown subject fixture 'paola'; ` +
        `did you mean 'paula'? (known: alice, paula, ivan); define it under fixtures.subjects or write the subject inline [GATEHOUSE_POLICY_LOAD]\n`,
    );
  });

  it('a failing Rego unit test exits 1 and shows the failing expression and its value', async () => {
    const dir = writePolicyDir(basePolicy({ 'failing_test.rego': FAILING_REGO_UNIT_TEST }));
    const result = await gatehouseTest([dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${dir}/failing_test.rego  data.gatehouse_failing_test.test_select_is_denied_in_the_day`);
    // opa's --var-values view: the expression that failed, with its location and value.
    expect(result.stdout).toMatch(/failing_test\.rego:7 was false or undefined\n\s+main\.rego:\d+:\n\s+night\n\s+\|\n\s+undefined/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('8 passed, 1 failed');
  });

  it('coverage below --min-coverage exits 1 and lists the Rego rules and Cedar policies not exercised', async () => {
    const dir = writePolicyDir(basePolicy());
    const result = await gatehouseTest([dir, '--run', 'masked', '--min-coverage', '90']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/not covered {2}rego {3}.*\/main\.rego:\d+ {2}data\.gatehouse\.night/);
    expect(result.stdout).toMatch(/not covered {2}cedar {2}.*\/access\.cedar:4 {2}forbid interns-never-touch-prod/);
    expect(result.stdout).toMatch(/coverage \d+\.\d% is below --min-coverage 90%/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('2 passed, 0 failed');
  });

  it('--run selects decision cases and Rego unit tests by name', async () => {
    const dir = writePolicyDir(basePolicy());
    const result = await gatehouseTest([dir, '--run', 'night|in_the_day']);
    expect(result.code).toBe(0);
    const verdicts = result.stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(verdicts).toEqual([`PASS  ${dir}/tests/db.yaml  select at night is denied`, `PASS  ${dir}/main_test.rego  data.gatehouse_test.test_select_is_allowed_in_the_day`]);
  });

  it('--format json reports every test, the failure diff and coverage', async () => {
    const dir = writePolicyDir(basePolicy({ 'tests/db.yaml': FAILING_CASE }));
    const result = await gatehouseTest([dir, '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      passed: number;
      failed: number;
      tests: { kind: string; name: string; status: string; diff: string[] }[];
      coverage: { percent: number; uncovered: unknown[] };
    };
    expect(report.passed).toBe(8);
    expect(report.failed).toBe(1);
    const failed = report.tests.filter((t) => t.status === 'fail');
    expect(failed.map((t) => [t.kind, t.name])).toEqual([['decision', 'intern select expected allowed']]);
    expect(failed[0].diff[0]).toBe('effect: expected allow, got deny');
    expect(report.coverage.percent).toBe(100);
  });

  it('--format junit is well-formed JUnit XML with the failure under its case', async () => {
    const dir = writePolicyDir(basePolicy({ 'tests/db.yaml': FAILING_CASE, 'failing_test.rego': FAILING_REGO_UNIT_TEST }));
    const result = await gatehouseTest([dir, '--format', 'junit', '--min-coverage', '100']);
    expect(result.code).toBe(1);
    // A real XML parser (Python's), not a regular expression, judges well-formedness.
    const summary = execFileSync(
      'python3',
      [
        '-c',
        `import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
cases = [(c.get('classname'), c.get('name'), c.find('failure') is not None) for c in root.iter('testcase')]
print(json.dumps({'tag': root.tag, 'tests': root.get('tests'), 'failures': root.get('failures'), 'failed': [c[1] for c in cases if c[2]]}))`,
      ],
      { input: result.stdout, encoding: 'utf8' },
    );
    expect(JSON.parse(summary)).toEqual({
      tag: 'testsuites',
      tests: '11',
      failures: '2',
      failed: ['intern select expected allowed', 'data.gatehouse_failing_test.test_select_is_denied_in_the_day'],
    });
  });

  it('several policy dirs, one of them Cedar-only, are reported together', async () => {
    const both = writePolicyDir(basePolicy());
    const cedarOnly = writePolicyDir({
      'access.cedar': CEDAR_POLICY,
      'tests/access.yaml': `now: "2026-11-25T10:00:00Z"
cases:
  - name: a dba may query
    subject: { id: alice, groups: [dba] }
    action: db.query
    resource: { type: Database, id: orders }
    expect: { effect: allow }
`,
    });
    const result = await gatehouseTest([both, cedarOnly]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`PASS  ${cedarOnly}/tests/access.yaml  a dba may query`);
    expect(result.stdout).toContain('coverage: 92.3% (12/13: rego 9/9 rules, cedar 3/4 policies)');
    expect(result.stdout).toContain(`not covered  cedar  ${cedarOnly}/access.cedar:4  forbid interns-never-touch-prod`);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('9 passed, 0 failed');
  });

  it('usage errors exit 2 with one line', async () => {
    const none = await gatehouseTest([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('gatehouse: gatehouse test needs at least one policy directory, e.g. gatehouse test policy/ [GATEHOUSE_USAGE]\n');
    const format = await gatehouseTest(['policy', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toBe("gatehouse: --format must be one of text, json, junit, not 'xml' [GATEHOUSE_USAGE]\n");
    const missing = await gatehouseTest(['/nonexistent/policy']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^gatehouse: .*\/nonexistent\/policy.*\n$/);
  });
});
