import { fields, list, lowerName, stringNode, unwrap } from './sql-ast.ts';
import type { WhereBound } from './sql-statement-collector.ts';

/**
 * What PostgreSQL resolves that the statement's words alone do not show: builtins that read
 * SQL or a relation given as a string, and catalog relations that hold other tables' values.
 */

/** `sql`: the argument is a query; `relation`: a table name; `any`: it reads what no argument names. */
export interface SqlStringArgument {
  kind: 'sql' | 'relation' | 'any';
  argument: number;
}

export const SQL_STRING_FUNCTIONS: ReadonlyMap<string, SqlStringArgument> = new Map<string, SqlStringArgument>([
  ['query_to_xml', { kind: 'sql', argument: 0 }],
  ['query_to_xmlschema', { kind: 'sql', argument: 0 }],
  ['query_to_xml_and_xmlschema', { kind: 'sql', argument: 0 }],
  ['ts_stat', { kind: 'sql', argument: 0 }],
  // ts_rewrite(query, 'SELECT target, substitute FROM …')
  ['ts_rewrite', { kind: 'sql', argument: 1 }],
  ['table_to_xml', { kind: 'relation', argument: 0 }],
  ['table_to_xmlschema', { kind: 'relation', argument: 0 }],
  ['table_to_xml_and_xmlschema', { kind: 'relation', argument: 0 }],
  // A cursor's rows were decided with its DECLARE; as XML they leave inside one value.
  ['cursor_to_xml', { kind: 'any', argument: 0 }],
  ['cursor_to_xmlschema', { kind: 'any', argument: 0 }],
  ['schema_to_xml', { kind: 'any', argument: 0 }],
  ['schema_to_xmlschema', { kind: 'any', argument: 0 }],
  ['schema_to_xml_and_xmlschema', { kind: 'any', argument: 0 }],
  ['database_to_xml', { kind: 'any', argument: 0 }],
  ['database_to_xmlschema', { kind: 'any', argument: 0 }],
  ['database_to_xml_and_xmlschema', { kind: 'any', argument: 0 }],
]);

/**
 * Catalog relations whose rows carry values of other relations' columns: planner statistics
 * (most common values, histogram bounds) and the text of statements (literals included).
 */
export const VALUE_CATALOGS: ReadonlySet<string> = new Set([
  'pg_stats',
  'pg_statistic',
  'pg_stats_ext',
  'pg_stats_ext_exprs',
  'pg_statistic_ext_data',
  'pg_stat_activity',
  'pg_stat_statements',
  'pg_prepared_statements',
  'pg_cursors',
]);

/** IN lists longer than this bound nothing useful; they are reported with their length anyway. */
const MAX_COUNTED_VALUES = 1000;

/**
 * The conjuncts of a write's WHERE (top-level ANDs only) that bound its rows: `column =
 * constant` (either side) or `column IN (constants)`, where the column is the target's own.
 * `id = id`, `id IS NOT NULL`, `EXISTS (…)` and anything under OR bound nothing.
 */
export function whereBounds(where: unknown, target: string | undefined, targetNames: string[]): WhereBound[] {
  const bounds: WhereBound[] = [];
  const own = new Set([...(target === undefined ? [] : [target]), ...targetNames]);
  const bound = (column: string, values: number): WhereBound => (target === undefined ? { column, values } : { column, values, table: target });
  const visit = (node: unknown): void => {
    const n = unwrap(node);
    if (!n) return;
    const [type, body] = n;
    if (type === 'BoolExpr' && body.boolop === 'AND_EXPR') {
      for (const arg of list(body.args)) visit(arg);
      return;
    }
    if (type !== 'A_Expr') return;
    const operator = list(body.name).map((p) => stringNode(p)).join('.');
    if (body.kind === 'AEXPR_OP' && operator === '=') {
      const left = targetColumn(body.lexpr, own);
      const right = targetColumn(body.rexpr, own);
      if (left !== undefined && isConstant(body.rexpr)) bounds.push(bound(left, 1));
      else if (right !== undefined && isConstant(body.lexpr)) bounds.push(bound(right, 1));
      return;
    }
    if (body.kind === 'AEXPR_IN' && operator === '=') {
      const column = targetColumn(body.lexpr, own);
      const items = list(unwrap(body.rexpr)?.[1].items);
      if (column !== undefined && items.length > 0 && items.length <= MAX_COUNTED_VALUES && items.every(isConstant)) {
        bounds.push(bound(column, items.length));
      }
    }
  };
  visit(where);
  return bounds;
}

function targetColumn(value: unknown, own: ReadonlySet<string>): string | undefined {
  const node = unwrap(value);
  if (node?.[0] !== 'ColumnRef') return undefined;
  const parts = list(node[1].fields).map((f) => stringNode(f));
  if (parts.some((p) => p === undefined)) return undefined;
  const names = parts as string[];
  if (names.length === 1) return lowerName(names[0]!);
  if (names.length === 2 && own.has(lowerName(names[0]!))) return lowerName(names[1]!);
  return undefined;
}

/** A literal or a bound parameter ($1), possibly cast: one value, whatever the row. */
function isConstant(value: unknown): boolean {
  const node = unwrap(value);
  if (!node) return false;
  if (node[0] === 'A_Const' || node[0] === 'ParamRef') return fields(node[1]) !== undefined;
  if (node[0] === 'TypeCast') return isConstant(node[1].arg);
  return false;
}
