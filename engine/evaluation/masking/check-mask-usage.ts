import type { Decision } from '../../model/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../model/index.ts';
import { findMaskedAliasUse } from './masked-alias-use.ts';
import { maskedColumns } from '../../model/index.ts';
import { used } from './masked-column-use.ts';

/**
 * Masking fails closed (issue 6): a proxy can only replace values in result rows, so a
 * statement may use a masked column only as a plain top-level output column. Anywhere else
 * (an expression, a filter, RETURNING, a join, GROUP/ORDER BY, a whole-row value, COPY, the
 * output of a subquery or CTE that the outer query could filter or reshape) the value would
 * leave or steer the result unmasked, so the decision becomes a deny.
 *
 * Reads the engine's facts (`context.sql.statements`, engine/evaluation/facts) and, where they cannot
 * say it (renaming by alias, positional ORDER BY, nested outputs), the statement's own parse
 * tree (masked-alias-use.ts). Pure: same decision and context, same answer.
 */
export function checkMaskUsage(decision: Decision, context: JsonObject): Decision {
  if (decision.effect === 'deny') return decision;
  const masks = maskedColumns(decision.obligations);
  if (masks === undefined) return deny(decision, 'gatehouse:mask: the mask obligation must be a list of column names');
  if (masks.length === 0) return decision;
  const sql = context.sql;
  if (sql === undefined) return decision;
  if (!isJsonObject(sql)) return deny(decision, 'gatehouse:mask: context.sql is not an object, so masked columns cannot be checked');
  if (sql.parseError !== undefined) return deny(decision, 'gatehouse:mask: the statement did not parse, so masked columns cannot be checked');
  const statements = sql.statements;
  if (!Array.isArray(statements)) return deny(decision, 'gatehouse:mask: the statement has no facts, so masked columns cannot be checked');
  const masked = new Set(masks);
  for (const statement of statements) {
    if (!isJsonObject(statement)) return deny(decision, 'gatehouse:mask: malformed statement facts');
    const problem = factsProblem(statement, masked);
    if (problem) return deny(decision, problem);
  }
  if (typeof sql.text === 'string') {
    const problem = findMaskedAliasUse(sql.text, masked);
    if (problem) return deny(decision, problem);
  }
  return decision;
}

function factsProblem(statement: JsonObject, masked: ReadonlySet<string>): string | undefined {
  if (statement.kind === 'copy' || statement.copy !== undefined) {
    return `gatehouse:mask: COPY is not allowed while columns are masked (${[...masked].join(', ')})`;
  }
  const nested = statement.nested === true || statement.kind !== 'select';
  for (const column of asList(statement.columns)) {
    if (!isJsonObject(column) || typeof column.name !== 'string') return 'gatehouse:mask: malformed column facts';
    const name = column.name.toLowerCase();
    const usages = asList(column.usage).filter((u): u is string => typeof u === 'string');
    if (name === '*') {
      if (usages.includes('wholerow')) return used('*', 'a whole-row reference');
      if (usages.includes('copy')) return used('*', 'copy');
      if (nested && usages.includes('output')) return used('*', `the output of a nested ${String(statement.kind)} statement`);
      continue;
    }
    if (!masked.has(name)) continue;
    const other = usages.find((u) => u !== 'output');
    if (other !== undefined) return used(name, other);
    if (nested) return used(name, `the output of a nested ${String(statement.kind)} statement`);
  }
  return undefined;
}

function asList(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function deny(decision: Decision, reason: string): Decision {
  return { effect: 'deny', reasons: [reason], obligations: {}, engines: decision.engines };
}
