import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/** A small two-engine policy: Rego guards content (SQL facts, clock, masking), Cedar decides who. */
export const REGO_POLICY = `package gatehouse

import rego.v1

default decision := {"effect": "deny", "reasons": ["no rule allowed this request"], "obligations": {}}

decision := {"effect": "deny", "reasons": ["DROP is never allowed"], "obligations": {}} if {
	some statement in input.context.sql.statements
	statement.kind == "drop"
}

decision := {"effect": "require_approval", "reasons": ["DELETE without WHERE needs approval"], "obligations": {}} if {
	not dropping
	some statement in input.context.sql.statements
	statement.kind == "delete"
	not statement.hasWhere
}

decision := {"effect": "allow", "reasons": [], "obligations": {"mask": mask}} if {
	input.action == "db.query"
	not dropping
	not unbounded_delete
	not night
}

decision := {"effect": "deny", "reasons": ["queries are not allowed at night"], "obligations": {}} if {
	input.action == "db.query"
	not dropping
	not unbounded_delete
	night
}

dropping if {
	some statement in input.context.sql.statements
	statement.kind == "drop"
}

unbounded_delete if {
	some statement in input.context.sql.statements
	statement.kind == "delete"
	not statement.hasWhere
}

night if time.clock([time.now_ns(), "UTC"])[0] < 6

mask contains "email" if not "privileged" in input.subject.groups
`;

export const REGO_UNIT_TEST = `package gatehouse_test

import rego.v1

import data.gatehouse

test_select_is_allowed_in_the_day if {
	gatehouse.decision.effect == "allow" with input as {"action": "db.query", "subject": {"groups": []}, "context": {}}
		with time.now_ns as 1795600800000000000
}
`;

export const FAILING_REGO_UNIT_TEST = `package gatehouse_failing_test

import rego.v1

import data.gatehouse

test_select_is_denied_in_the_day if {
	gatehouse.decision.effect == "deny" with input as {"action": "db.query", "subject": {"groups": []}, "context": {}}
		with time.now_ns as 1795600800000000000
}
`;

export const CEDAR_POLICY = `@id("dba-may-query")
permit (principal in Group::"dba", action == Action::"db.query", resource);

@id("interns-never-touch-prod")
forbid (principal in Group::"intern", action, resource)
when { resource has env && resource.env == "prod" };
`;

export const PASSING_TESTS = `# yaml-language-server: $schema=../../schemas/decision-tests.schema.json
now: "2026-11-25T10:00:00Z"
fixtures:
  subjects:
    alice: { id: alice, groups: [dba] }
    paula: { id: paula, groups: [dba, privileged] }
    ivan: { id: ivan, groups: [dba, intern] }
  resources:
    orders-prod: { type: Database, id: orders, attributes: { env: prod } }
cases:
  - name: select by a dba is allowed with email masked
    subject: alice
    action: db.query
    resource: orders-prod
    context: { sql: { text: "SELECT id, email FROM orders" } }
    expect:
      effect: allow
      obligations: { mask: [EMAIL] }
  - name: select by a privileged dba is not masked
    subject: paula
    action: db.query
    resource: orders-prod
    context: { sql: { text: "SELECT id, email FROM orders" } }
    expect: { effect: allow, obligations: {}, exactObligations: true }
  - name: drop hidden after a comment is denied
    subject: alice
    action: db.query
    resource: orders-prod
    context: { sql: { text: "/* harmless */ drop TABLE orders" } }
    expect: { effect: deny, reasons: ["DROP is never allowed"] }
  - name: delete without where needs approval
    subject: alice
    action: db.query
    resource: orders-prod
    context: { sql: { text: "DELETE FROM orders" } }
    expect: { effect: require_approval, reasons: ["without WHERE"] }
  - name: select at night is denied
    subject: alice
    action: db.query
    resource: orders-prod
    now: "2026-11-25T03:00:00Z"
    context: { sql: { text: "SELECT 1" } }
    expect: { effect: deny, reasons: ["at night"] }
  - name: intern on prod is denied by cedar
    subject: ivan
    action: db.query
    resource: orders-prod
    context: { sql: { text: "SELECT 1" } }
    expect: { effect: deny, engines: { rego: allow, cedar: deny } }
  - name: unknown action is denied
    subject: { id: eve }
    action: db.connect
    resource: { type: Database, id: orders }
    expect: { effect: deny }
`;

export interface PolicyFiles {
  [relativePath: string]: string;
}

const written: string[] = [];

/** Writes a policy directory under a fresh temp dir and returns its path. */
export function writePolicyDir(files: PolicyFiles): string {
  const parent = mkdtempSync(join(tmpdir(), 'gatehouse-testing-'));
  written.push(parent);
  const dir = join(parent, 'policy');
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return dir;
}

/** Removes every directory writePolicyDir created (call from afterAll). */
export function removePolicyDirs(): void {
  for (const dir of written.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function basePolicy(extra: PolicyFiles = {}): PolicyFiles {
  return {
    'gatehouse.yaml': 'name: fixture\nengines: [rego, cedar]\n',
    'main.rego': REGO_POLICY,
    'main_test.rego': REGO_UNIT_TEST,
    'access.cedar': CEDAR_POLICY,
    'tests/db.yaml': PASSING_TESTS,
    ...extra,
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`bin/gatehouse test ...`) as a user would. */
export function gatehouseTest(args: string[], cwd = ROOT): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    execFile(join(ROOT, 'bin/gatehouse'), ['test', ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}
