import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Small policy directories written to temp dirs for the bundle, combine and CLI tests. The
 * Rego reads facts (context.sql.statements), so requests may carry facts without text.
 */
export const GUARDRAILS_REGO = `package gatehouse

decision := {"effect": "deny", "reasons": ["DELETE without WHERE"]} if {
	some s in input.context.sql.statements
	s.kind == "delete"
	not s.hasWhere
} else := {"effect": "require_approval", "reasons": ["DROP needs a human"]} if {
	some s in input.context.sql.statements
	s.kind == "drop"
} else := {"effect": "allow", "reasons": ["users holds PII"], "obligations": {"mask": ["email"]}} if {
	some s in input.context.sql.statements
	"users" in s.tables
} else := {"effect": "allow", "reasons": []} if {
	input.action != "unknown.action"
}
`;

export const RBAC_CEDAR = `@id("dba-can-query")
permit (principal in Group::"dba", action, resource);

@id("no-prod-for-interns")
@reason("interns never touch prod")
forbid (principal in Group::"intern", action, resource)
when { resource has env && resource.env == "prod" };
`;

export const PASSING_TESTS = `now: "2026-11-25T10:00:00Z"
fixtures:
  subjects:
    alice: { id: alice, groups: [dba] }
  resources:
    orders: { type: Database, id: orders, attributes: { env: prod } }
cases:
  - name: select is allowed for a dba
    subject: alice
    action: db.query
    resource: orders
    context: { sql: { statements: [ { kind: select, tables: [orders], hasWhere: false } ] } }
    expect: { effect: allow }
`;

export const FAILING_TESTS = `now: "2026-11-25T10:00:00Z"
cases:
  - name: select is denied (wrong on purpose)
    subject: { id: alice, groups: [dba] }
    action: db.query
    resource: { type: Database, id: orders }
    context: { sql: { statements: [ { kind: select, tables: [orders], hasWhere: false } ] } }
    expect: { effect: deny }
`;

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `gatehouse-${prefix}-`));
}

export async function writePolicyDir(root: string, files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), text);
  }
  return root;
}

/** Rego guardrails + Cedar RBAC, both required, with passing decision tests. */
export function bothEngines(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'gatehouse.yaml': 'name: fixture\ndescription: test policy\nengines: [rego, cedar]\n',
    'guardrails.rego': GUARDRAILS_REGO,
    'rbac.cedar': RBAC_CEDAR,
    'tests/basic.yaml': PASSING_TESTS,
    ...extra,
  };
}
