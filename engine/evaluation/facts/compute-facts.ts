import { isJsonObject, type JsonObject, type JsonValue } from '../../model/index.ts';
import { FactsCache } from './facts-cache.ts';
import { countFactEntries, MAX_FACT_ENTRIES } from './facts-size.ts';
import { extractShellFacts, initShellParser, type ShellFactsResult } from './shell-facts.ts';
import { parseSqlCatalog } from '../../sql/index.ts';
import { extractSqlFacts, initSqlParser, type SqlFactsResult } from '../../sql/index.ts';

/** The request context with engine-computed facts, and what went wrong (any error → deny). */
export interface ComputedFacts {
  context: JsonObject;
  errors: string[];
}

/** Texts longer than this are refused rather than parsed (a request, not a script upload). */
export const MAX_FACTS_TEXT_LENGTH = 1_000_000;
/** Only texts up to this length are cached, so the cache's memory stays bounded. */
const MAX_CACHED_TEXT_LENGTH = 64 * 1024;
const CACHE_ENTRIES = 10_000;

const sqlCache = new FactsCache<SqlFactsResult>(CACHE_ENTRIES);
const shellCache = new FactsCache<ShellFactsResult>(CACHE_ENTRIES);
let initialized: Promise<void> | undefined;
let ready = false;

/** Loads both parsers (WASM) once; safe to call many times and concurrently. */
export function initFactExtractors(): Promise<void> {
  initialized ??= Promise.all([initSqlParser(), initShellParser()]).then(() => {
    ready = true;
  });
  return initialized;
}

/**
 * Fills `context.sql.statements` from `context.sql.text` and `context.command.commands` from
 * `context.command.text`, replacing whatever facts the caller sent (docs/architecture.md "Facts":
 * facts are computed by the engine). A context with facts but no text is returned as given. Never throws:
 * problems are returned as `facts: …` errors for the caller to deny on. The input is not changed.
 */
export function computeFacts(context: JsonObject): ComputedFacts {
  const errors: string[] = [];
  const result: JsonObject = { ...context };
  if (context.sql !== undefined) {
    const { catalog, error } = parseSqlCatalog(isJsonObject(context.sql) ? context.sql.catalog : undefined);
    if (error !== undefined) errors.push(`facts: ${error}`);
    // Facts computed with a catalog depend on it: cached under both.
    const key = (text: string): string => (catalog === undefined ? text : `${JSON.stringify(catalog)}\u0000${text}`);
    const sql = computeOne('sql', context.sql, errors, (text) => cached(sqlCache, key(text), () => extractSqlFacts(text, catalog)), 'statements');
    if (sql) result.sql = sql;
  }
  if (context.command !== undefined) {
    const command = computeOne('command', context.command, errors, (text) => cached(shellCache, text, extractShellFacts), 'commands');
    if (command) result.command = command;
  }
  return { context: result, errors };
}

function computeOne(
  name: 'sql' | 'command',
  value: JsonValue,
  errors: string[],
  extract: (text: string) => SqlFactsResult | ShellFactsResult,
  listKey: 'statements' | 'commands',
): JsonObject | undefined {
  if (!isJsonObject(value)) {
    errors.push(`facts: context.${name} must be an object`);
    return undefined;
  }
  if (value.text === undefined) return value;
  const text = value.text;
  if (typeof text !== 'string') {
    errors.push(`facts: context.${name}.text must be a string`);
    return undefined;
  }
  if (text.length > MAX_FACTS_TEXT_LENGTH) {
    errors.push(`facts: ${name}: text is longer than ${MAX_FACTS_TEXT_LENGTH} characters`);
    return undefined;
  }
  if (!ready) {
    errors.push('facts: parsers are not loaded (initFactExtractors() was not awaited)');
    return undefined;
  }
  let facts: SqlFactsResult | ShellFactsResult;
  try {
    facts = extract(text);
  } catch (error) {
    errors.push(`facts: ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const { statements: _s, commands: _c, parseError: _p, ...rest } = value;
  const out: JsonObject = { ...rest, text };
  const list = listKey === 'statements' ? (facts as SqlFactsResult).statements : (facts as ShellFactsResult).commands;
  if (countFactEntries(list as JsonValue) > MAX_FACT_ENTRIES) {
    errors.push(`facts: ${name}: the text yields more than ${MAX_FACT_ENTRIES} facts (statements, tables, columns, functions…); split it into smaller statements`);
    return undefined;
  }
  out[listKey] = list;
  if (facts.parseError !== undefined) {
    out.parseError = facts.parseError;
    errors.push(`facts: ${name}: ${facts.parseError}`);
  }
  return out;
}

function cached<V extends object>(cache: FactsCache<V>, key: string, extract: (text: string) => V): V {
  const hit = cache.get(key);
  if (hit) return hit;
  // Cached facts are shared between requests: frozen, so no consumer can alter another's facts.
  const facts = deepFreeze(extract(key));
  if (key.length <= MAX_CACHED_TEXT_LENGTH) cache.set(key, facts);
  return facts;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Drops every cached parse (tests, and a bundle reload that changes nothing here). */
export function clearFactsCache(): void {
  sqlCache.clear();
  shellCache.clear();
}
