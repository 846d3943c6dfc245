/**
 * In-process engine costs, no services: SQL and shell facts per text, a facts-cache hit against
 * a first parse, and Cedar evaluate over a realistic ten-policy set. These were printed by unit
 * tests before; a measurement that cannot fail belongs here, not in the test suite.
 *
 *   npm run bench -- engine      (GATEHOUSE_BENCH_MS=2000 per case)
 */
import { prepareCedarEvaluator } from '../engine/evaluation/cedar/index.ts';
import { computeFacts, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import { extractShellFacts, initShellParser } from '../engine/evaluation/facts/shell-facts.ts';
import { extractSqlFacts, initSqlParser } from '../engine/sql/sql-facts.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import { measureSync, printTable, type TableRow } from './bench-table.ts';

const MS = Number(process.env.GATEHOUSE_BENCH_MS ?? 2000);

const SQL_TEXTS = [
  'SELECT id, email FROM users',
  'SELECT u.id, lower(u.email) FROM users u JOIN orders o ON o.uid = u.id WHERE o.total > 100',
  "UPDATE accounts SET balance = balance - 10 WHERE id = 7; INSERT INTO ledger VALUES (7, -10, now())",
  'WITH recent AS (SELECT * FROM orders WHERE created > now() - interval \'1 day\') SELECT count(*) FROM recent',
  'DELETE FROM sessions WHERE expires < now()',
  'DROP TABLE IF EXISTS staging.tmp_import',
];

const SHELL_LINES = [
  'uname -a',
  'ps aux | grep nginx | wc -l',
  "sudo -u postgres psql -c 'select 1'",
  'find /var/log -name "*.gz" -mtime +7 -exec rm {} \\;',
  "bash -c 'cd /srv && git pull && systemctl restart app'",
  'tar czf /tmp/backup.tgz /etc && scp /tmp/backup.tgz backup:/srv/',
];

const CEDAR_POLICIES = `
@id("dba-query") permit(principal in Group::"dba", action == Action::"db.query", resource is Database);
@id("dba-connect") permit(principal in Group::"dba", action == Action::"db.connect", resource is Database);
@id("ops-ssh") permit(principal in Group::"ops", action in [Action::"ssh.connect", Action::"ssh.exec"], resource is Host);
@id("prod-approval") @approval("prod needs a reviewer")
permit(principal, action == Action::"db.query", resource) when { resource has env && resource.env == "prod" }
unless { principal in Group::"breakglass" };
@id("pii-mask") @mask("email,ssn") permit(principal in Group::"analyst", action == Action::"db.query", resource);
@id("no-drop") @reason("DROP is never allowed")
forbid(principal, action == Action::"db.query", resource) when { context has sql && context.sql has kinds && context.sql.kinds.contains("drop") };
@id("business-hours") forbid(principal in Group::"contractor", action, resource)
unless { context.time.toTime() >= duration("8h") && context.time.toTime() < duration("18h") };
@id("frozen") forbid(principal, action, resource) when { resource has frozen && resource.frozen };
@id("reviewers") permit(principal in Group::"security", action == Action::"approval.review", resource is Approval);
@id("owner") permit(principal, action, resource) when { resource has owner && resource.owner == principal.claims.sub };
`;

const CEDAR_REQUEST: DecisionInput = {
  subject: { id: 'alice', groups: ['dba'], claims: { sub: 'alice', email: 'a@example.com' } },
  action: 'db.query',
  resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
  context: { sql: { text: 'SELECT id FROM orders', kinds: ['select'], statements: [{ kind: 'select', tables: ['orders'], hasWhere: false }] } },
  time: '2026-11-25T10:00:00Z',
};

/** Cycles through `items`, one per call, so every case measures the whole set. */
function cycle<T>(items: T[], operation: (item: T) => unknown): () => unknown {
  let next = 0;
  return () => operation(items[next++ % items.length]);
}

export async function run(): Promise<string> {
  await Promise.all([initSqlParser(), initShellParser(), initFactExtractors()]);
  const ms = MS;
  const rows: TableRow[] = [];
  rows.push({ name: 'sql facts (parse per text)', summary: measureSync(cycle(SQL_TEXTS, extractSqlFacts), ms) });
  rows.push({ name: 'shell facts (parse per line)', summary: measureSync(cycle(SHELL_LINES, extractShellFacts), ms) });
  // A literal that never repeats defeats the cache: every call is a first parse.
  let unique = 0;
  rows.push({ name: 'computeFacts, first parse', summary: measureSync(() => computeFacts({ sql: { text: `${SQL_TEXTS[1]} AND o.id <> ${++unique}` } }), ms) });
  rows.push({ name: 'computeFacts, cached text', summary: measureSync(() => computeFacts({ sql: { text: SQL_TEXTS[1] } }), ms) });

  const evaluator = prepareCedarEvaluator({
    revision: 'bench',
    policies: [{ file: 'bench.cedar', text: CEDAR_POLICIES }],
    entities: [
      { uid: { type: 'Group', id: 'dba' }, attrs: {}, parents: [{ type: 'Group', id: 'engineering' }] },
      { uid: { type: 'Group', id: 'engineering' }, attrs: {}, parents: [] },
      { uid: { type: 'Group', id: 'security' }, attrs: {}, parents: [] },
      { uid: { type: 'Database', id: 'orders' }, attrs: { tier: 1 }, parents: [] },
    ],
  });
  try {
    // The measured request must take the policy path it claims to (prod-approval).
    const effect = evaluator.evaluate(CEDAR_REQUEST).effect;
    if (effect !== 'require_approval') throw new Error(`cedar bench request decided ${effect}, expected require_approval`);
    rows.push({ name: 'cedar evaluate (10 policies, 4 entities)', summary: measureSync(() => evaluator.evaluate(CEDAR_REQUEST), ms) });
  } finally {
    evaluator.close();
  }
  return printTable('Engine evaluation in process (one thread, no services)', 'sql facts (parse per text)', rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
