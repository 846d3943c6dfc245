import { loadModule, parseSync } from 'libpg-query';
import type { JsonObject } from '../model/json.ts';
import { fields, list } from './sql-ast.ts';
import { SqlStatementWalker } from './sql-statement-walker.ts';

/**
 * SQL facts from the real PostgreSQL parser (libpg_query compiled to WASM). The shape is the
 * facts contract of docs/architecture.md "Facts": `{ statements: [...] }` or `{ statements: [],
 * parseError }`. Statement entries are documented in docs/policies.md.
 */
export interface SqlFactsResult {
  statements: JsonObject[];
  parseError?: string;
}

let loaded: Promise<void> | undefined;
let ready = false;

/** Loads the parser's WASM module once; every later call returns the same promise. */
export function initSqlParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

export class FactsNotInitializedError extends Error {
  readonly code = 'GATEHOUSE_FACTS_NOT_INITIALIZED';
  constructor(which: string) {
    super(`${which} parser is not loaded: await initFactExtractors() before computing facts`);
    this.name = 'FactsNotInitializedError';
  }
}

export function extractSqlFacts(text: string): SqlFactsResult {
  if (!ready) throw new FactsNotInitializedError('SQL');
  let parsed: unknown;
  try {
    parsed = parseSync(text);
  } catch (error) {
    return { statements: [], parseError: parserMessage(error) };
  }
  // libpg_query reports statement bounds in bytes of the UTF-8 text.
  const bytes = Buffer.from(text, 'utf8');
  const walker = new SqlStatementWalker();
  for (const raw of list(fields(parsed)?.stmts)) {
    const entry = fields(raw);
    if (!entry) continue;
    const start = typeof entry.stmt_location === 'number' ? entry.stmt_location : 0;
    const length = typeof entry.stmt_len === 'number' && entry.stmt_len > 0 ? entry.stmt_len : bytes.length - start;
    walker.walkTopLevel(entry.stmt, bytes.subarray(start, start + length).toString('utf8').trim());
  }
  return { statements: walker.facts() };
}

function parserMessage(error: unknown): string {
  if (error instanceof Error) {
    const position = (error as Error & { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    return typeof position === 'number' ? `${error.message} (at position ${position})` : error.message;
  }
  return String(error);
}
