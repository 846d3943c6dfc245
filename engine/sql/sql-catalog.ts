import { isJsonObject, type JsonValue } from '../model/index.ts';

/**
 * Column names of the relations a statement names, looked up by the caller (the PostgreSQL
 * proxy asks its upstream) and sent as `context.sql.catalog`: `{ "users": ["id", "email"] }`,
 * keyed by the relation name as written (lower case), schema-qualified names too. With it the
 * facts resolve `t.f` exactly (a column, or the function call f(t)); without it they assume the
 * builtins that can take a whole row are meant.
 */
export type SqlCatalog = Readonly<Record<string, readonly string[]>>;

const MAX_RELATIONS = 1000;
const MAX_COLUMNS = 2000;

/** The catalog from request context, or why it is malformed (an error the caller denies on). */
export function parseSqlCatalog(value: JsonValue | undefined): { catalog?: SqlCatalog; error?: string } {
  if (value === undefined) return {};
  if (!isJsonObject(value)) return { error: 'context.sql.catalog must be an object of relation name → column names' };
  const entries = Object.entries(value);
  if (entries.length > MAX_RELATIONS) return { error: `context.sql.catalog names more than ${MAX_RELATIONS} relations` };
  const catalog: Record<string, string[]> = {};
  for (const [relation, columns] of entries) {
    if (!Array.isArray(columns) || columns.length > MAX_COLUMNS || !columns.every((c) => typeof c === 'string')) {
      return { error: `context.sql.catalog.${relation} must be a list of at most ${MAX_COLUMNS} column names` };
    }
    catalog[relation.toLowerCase()] = columns.map((c) => (c as string).toLowerCase());
  }
  return { catalog };
}
