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
  readonly relations: readonly string[];
  readonly mayChangeSettings: boolean;
}

/**
 * Previews are a pure function of the exact text (the parser has no other input), and a
 * statement is previewed more than once (before its decision and again after it ran; a prepared
 * statement on every Execute), so recent ones are kept, keyed by the exact text. This caches
 * only the proxy's own reading, never a decision: every statement still goes to the service.
 */
const PREVIEW_ENTRIES = 1_000;
const PREVIEW_MAX_TEXT = 8 * 1024;
const previews = new Map<string, StatementPreview>();
const PARSER_FAILED: StatementPreview = Object.freeze({ relations: Object.freeze([]), mayChangeSettings: true });

export function previewStatement(sql: string): StatementPreview {
  if (sql.length > PREVIEW_MAX_TEXT) return readPreview(sql);
  const hit = previews.get(sql);
  if (hit !== undefined) {
    // Map order is insertion order: re-inserting keeps the most recent last.
    previews.delete(sql);
    previews.set(sql, hit);
    return hit;
  }
  const preview = readPreview(sql);
  // A parser that threw (not loaded yet) says nothing about the text: not remembered.
  if (preview === PARSER_FAILED) return preview;
  previews.set(sql, preview);
  if (previews.size > PREVIEW_ENTRIES) previews.delete(previews.keys().next().value!);
  return preview;
}

function readPreview(sql: string): StatementPreview {
  let statements;
  try {
    const facts = extractSqlFacts(sql);
    if (facts.parseError !== undefined) return { relations: [], mayChangeSettings: true };
    statements = facts.statements;
  } catch {
    return PARSER_FAILED;
  }
  const relations = new Set<string>();
  let mayChangeSettings = false;
  for (const statement of statements) {
    for (const table of Array.isArray(statement.tables) ? statement.tables : []) if (typeof table === 'string') relations.add(table);
    if (Array.isArray(statement.settings) && statement.settings.length > 0) mayChangeSettings = true;
    if (statement.kind === 'discard') mayChangeSettings = true;
  }
  return Object.freeze({ relations: Object.freeze([...relations]), mayChangeSettings });
}
