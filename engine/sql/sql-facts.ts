import { loadModule, parseSync, scanSync } from 'libpg-query';
import { GatehouseError, type JsonObject } from '../model/index.ts';
import { fields, list } from './sql-ast.ts';
import type { SqlCatalog } from './sql-catalog.ts';
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

export class FactsNotInitializedError extends GatehouseError {
  constructor(which: string) {
    super('GATEHOUSE_FACTS_NOT_INITIALIZED', `${which} parser is not loaded: await initFactExtractors() before computing facts`);
    this.name = 'FactsNotInitializedError';
  }
}

/**
 * The facts of `text` as PostgreSQL reads it with standard_conforming_strings on (the only
 * reading the parser knows). With it off, a backslash inside a plain '…' literal escapes the
 * next character, so the same bytes can be other statements (`SELECT '\'; DELETE FROM t; --'`).
 * Such text is read both ways, and refused unless both readings have the same facts.
 */
export function extractSqlFacts(text: string, catalog?: SqlCatalog): SqlFactsResult {
  const facts = readFacts(text, catalog);
  if (facts.parseError !== undefined) return facts;
  let other: string | undefined;
  try {
    other = nonStandardReading(text);
  } catch (error) {
    return { statements: [], parseError: `the text could not be scanned for its other readings: ${parserMessage(error)}` };
  }
  if (other === undefined) return facts;
  const otherFacts = readFacts(other, catalog);
  if (otherFacts.parseError !== undefined || !sameFacts(facts.statements, otherFacts.statements)) {
    return {
      statements: [],
      parseError:
        'the text reads differently when standard_conforming_strings is off (a backslash inside a plain \'…\' literal); write the literal as E\'…\' with the backslash doubled',
    };
  }
  return facts;
}

function readFacts(text: string, catalog: SqlCatalog | undefined): SqlFactsResult {
  if (!ready) throw new FactsNotInitializedError('SQL');
  let parsed: unknown;
  try {
    parsed = parseSync(text);
  } catch (error) {
    return { statements: [], parseError: parserMessage(error) };
  }
  // libpg_query reports statement bounds in bytes of the UTF-8 text.
  const bytes = Buffer.from(text, 'utf8');
  const walker = new SqlStatementWalker(catalog);
  for (const raw of list(fields(parsed)?.stmts)) {
    const entry = fields(raw);
    if (!entry) continue;
    const start = typeof entry.stmt_location === 'number' ? entry.stmt_location : 0;
    const length = typeof entry.stmt_len === 'number' && entry.stmt_len > 0 ? entry.stmt_len : bytes.length - start;
    walker.walkTopLevel(entry.stmt, bytes.subarray(start, start + length).toString('utf8').trim());
  }
  return { statements: walker.facts() };
}

/**
 * The text as PostgreSQL reads it with standard_conforming_strings off, or undefined when no
 * plain literal holds a backslash (then both readings are the same bytes). Off, a plain '…'
 * literal is read as E'…', so each such literal gets an E; the scanner then finds the
 * boundaries the other reading has.
 */
function nonStandardReading(text: string): string | undefined {
  if (!text.includes('\\')) return undefined;
  const bytes = Buffer.from(text, 'utf8');
  const tokens = scanSync(text).tokens;
  const starts = tokens.filter((t) => t.tokenName === 'SCONST' && t.text.startsWith("'") && t.text.includes('\\')).map((t) => t.start);
  if (starts.length === 0) return undefined;
  const parts: Buffer[] = [];
  let at = 0;
  for (const start of starts) {
    parts.push(bytes.subarray(at, start), Buffer.from('E'));
    at = start;
  }
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts).toString('utf8');
}

/** Facts compared without the statement text (which differs by the added E's). */
function sameFacts(a: JsonObject[], b: JsonObject[]): boolean {
  const strip = (statements: JsonObject[]): string => JSON.stringify(statements.map(({ text: _text, ...rest }) => rest));
  return strip(a) === strip(b);
}

function parserMessage(error: unknown): string {
  if (error instanceof Error) {
    const position = (error as Error & { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    return typeof position === 'number' ? `${error.message} (at position ${position})` : error.message;
  }
  return String(error);
}
