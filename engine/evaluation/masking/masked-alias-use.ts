import { parseSync } from 'libpg-query';
import { fields, list, lowerName, stringNode, unwrap, type AstFields } from '../../sql/index.ts';
import { used } from './masked-column-use.ts';

/**
 * What the statement facts cannot say, read from the parse tree itself: a masked column's
 * value can be steered on or reshaped without its name appearing where the facts look.
 *  - renamed: `SELECT email AS e ... ORDER BY e`, `FROM users u(id, e) WHERE e LIKE 'a%'`;
 *  - by position: `SELECT email ... ORDER BY 1`;
 *  - nested: a subquery, CTE or set-operation arm outputs it (or `*`), and the outer query may
 *    filter, join or group on it under another name;
 *  - DISTINCT over it, and NATURAL JOIN (which joins on same-named columns unseen).
 * So only the top-level SELECT's plain column targets may name a masked column or `*`; every
 * other ColumnRef naming one (or one of its aliases) denies. `null` libpg_query never loaded
 * means the engine's facts never ran either, and the statement is refused.
 */
export function findMaskedAliasUse(text: string, masked: ReadonlySet<string>): string | undefined {
  let parsed: unknown;
  try {
    parsed = parseSync(text);
  } catch {
    return 'gatehouse:mask: the statement could not be parsed for the mask check';
  }
  for (const raw of list(fields(parsed)?.stmts)) {
    const statement = unwrap(fields(raw)?.stmt);
    if (!statement) continue;
    const problem = checkStatement(statement[0], statement[1], masked);
    if (problem) return problem;
  }
  return undefined;
}

function checkStatement(kind: string, body: AstFields, masked: ReadonlySet<string>): string | undefined {
  const plain = new Set<AstFields>();
  /** Names that carry a masked value here → the masked column they stand for. */
  const names = new Map([...masked].map((m) => [m, m]));
  const topLevelSelect = kind === 'SelectStmt' && (body.op === undefined || body.op === 'SETOP_NONE') && body.intoClause === undefined;
  if (topLevelSelect) {
    let exposes = false;
    for (const target of list(body.targetList)) {
      const res = unwrap(target)?.[1];
      const ref = unwrap(res?.val);
      if (!res || !ref || ref[0] !== 'ColumnRef') continue;
      plain.add(ref[1]);
      const last = lastPart(ref[1]);
      if (last === '*' || masked.has(last)) {
        exposes = true;
        if (typeof res.name === 'string' && last !== '*') names.set(lowerName(res.name), last);
      }
    }
    if (exposes) {
      if (list(body.distinctClause).length > 0) return used([...masked].join(', '), 'DISTINCT');
      if (hasPosition(body.sortClause) || hasPosition(body.groupClause)) return used([...masked].join(', '), 'ORDER BY or GROUP BY by position');
    }
  }
  return visit(body, (name, node) => {
    if (name === 'ColumnRef') {
      if (plain.has(node)) return undefined;
      const last = lastPart(node);
      if (last === '*') return used('*', 'a subquery, CTE, set operation or expression (where * may carry masked columns)');
      const original = names.get(last);
      if (original === last) return used(last, 'a place other than the top-level select list (a subquery, CTE or set operation)');
      if (original !== undefined) return used(original, `a clause that refers to it by its alias "${last}"`);
      return undefined;
    }
    if (name === 'JoinExpr' && node.isNatural === true) return used([...masked].join(', '), 'a NATURAL JOIN');
    if (name === 'CommonTableExpr' && list(node.aliascolnames).length > 0) return used([...masked].join(', '), 'a CTE column list (renaming)');
    return undefined;
  });
}

/** Walks every node; `onNode` sees wrapped nodes, and column-renaming alias lists deny. */
function visit(value: unknown, onNode: (name: string, node: AstFields) => string | undefined): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = visit(item, onNode);
      if (problem) return problem;
    }
    return undefined;
  }
  const node = unwrap(value);
  const body = node ? node[1] : fields(value);
  if (!body) return undefined;
  if (node) {
    const problem = onNode(node[0], node[1]);
    if (problem) return problem;
  } else if (typeof body.aliasname === 'string' && list(body.colnames).length > 0) {
    return 'gatehouse:mask: a column alias list (renaming the columns of a table or subquery) is not allowed while columns are masked';
  }
  for (const child of Object.values(body)) {
    const problem = visit(child, onNode);
    if (problem) return problem;
  }
  return undefined;
}

function lastPart(columnRef: AstFields): string {
  const parts = list(columnRef.fields);
  const last = parts[parts.length - 1];
  if (unwrap(last)?.[0] === 'A_Star') return '*';
  return lowerName(stringNode(last) ?? '');
}

/** ORDER BY 1 / GROUP BY 1: an integer constant names an output column by position. */
function hasPosition(clause: unknown): boolean {
  for (const item of list(clause)) {
    const node = unwrap(item);
    const expr = node?.[0] === 'SortBy' ? unwrap(node[1].node) : node;
    if (expr?.[0] === 'A_Const' && expr[1].ival !== undefined) return true;
  }
  return false;
}
