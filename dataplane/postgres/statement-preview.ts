import { extractSqlFacts } from '../../engine/sql/index.ts';

/**
 * What the proxy itself needs to know of a statement before it is decided (the decision is the
 * decision service's, on its own facts): the relations it names, so their columns can be sent
 * as `context.sql.catalog`; and whether it may change session settings, so that a pipelined
 * batch does not send later statements, decided on the current settings, before it has run.
 * Read with the engine's parser; any doubt (a parse error, a parser not loaded) counts as "may
 * change", the safe direction.
 */
export interface StatementPreview {
  relations: string[];
  mayChangeSettings: boolean;
}

export function previewStatement(sql: string): StatementPreview {
  let statements;
  try {
    const facts = extractSqlFacts(sql);
    if (facts.parseError !== undefined) return { relations: [], mayChangeSettings: true };
    statements = facts.statements;
  } catch {
    return { relations: [], mayChangeSettings: true };
  }
  const relations = new Set<string>();
  let mayChangeSettings = false;
  for (const statement of statements) {
    for (const table of Array.isArray(statement.tables) ? statement.tables : []) if (typeof table === 'string') relations.add(table);
    if (Array.isArray(statement.settings) && statement.settings.length > 0) mayChangeSettings = true;
    if (statement.kind === 'discard') mayChangeSettings = true;
  }
  return { relations: [...relations], mayChangeSettings };
}
