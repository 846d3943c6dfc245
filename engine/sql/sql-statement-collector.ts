import type { JsonObject, JsonValue } from '../model/index.ts';
import { POSTGRES_ROW_ARGUMENT_FUNCTIONS } from './postgres-builtins.ts';
import { lowerName } from './sql-ast.ts';
import type { SqlCatalog } from './sql-catalog.ts';

/** Where a column is used (the facts contract's vocabulary). */
export type ColumnUsage =
  | 'output'
  | 'expression'
  | 'filter'
  | 'returning'
  | 'join'
  | 'group'
  | 'order'
  | 'assignment'
  | 'wholerow'
  | 'copy';

/** Usages under which `*` (or `t.*`) stands for the listed columns themselves, not a row value. */
const STAR_AS_COLUMNS: ReadonlySet<ColumnUsage> = new Set(['output', 'returning', 'copy']);

interface ColumnReference {
  qualifier?: string;
  name: string;
  usage: ColumnUsage;
  /** A column named explicitly by the statement (UPDATE SET target, COPY list): never a row value. */
  direct: boolean;
  /** For an unqualified column: the only relation of the FROM list it was written against. */
  inferred?: string;
}

interface Relation {
  name: string;
  schema?: string;
}

/** A WHERE conjunct `column = constant` or `column IN (constants)`: the rows are bounded by it. */
export interface WhereBound {
  column: string;
  values: number;
  /** The written table the column belongs to. */
  table?: string;
}

/**
 * Accumulates the facts of one statement entry while its AST is walked. References are kept raw
 * and resolved at the end, because an alias can be used (in the target list) before the FROM
 * clause that defines it is walked.
 */
export class StatementCollector {
  readonly relations: Relation[] = [];
  readonly functions = new Set<string>();
  readonly references: ColumnReference[] = [];
  /** alias or relation name → the table (or subquery/CTE name) it stands for. */
  readonly scope = new Map<string, string>();
  readonly extra: JsonObject = {};
  hasWhere = false;
  whereTrivial = false;
  /** Settings the statement changes or may change ('*': any, e.g. a DO block or a user function). */
  readonly settings = new Set<string>();
  /** Why some of what the statement reads cannot be known from its text (facts `dynamic`). */
  readonly dynamic = new Set<string>();
  /** Aliases of functions in FROM: a bare one is the function's value, not a table row. */
  readonly functionAliases = new Set<string>();
  whereBounds: WhereBound[] = [];
  /** The FROM items (names or aliases) of each SELECT/UPDATE/DELETE level being walked. */
  private readonly fromStack: string[][] = [];

  constructor(
    readonly kind: string,
    readonly nested: boolean,
    /** CTE names visible to this statement; shared with the entries nested in it. */
    readonly cteNames: Set<string>,
    readonly text?: string,
    /** Column names of the relations the statement names, when the caller looked them up. */
    readonly catalog?: SqlCatalog,
  ) {}

  addRelation(relname: string, schemaname: string | undefined, alias: string | undefined): void {
    const name = lowerName(relname);
    const schema = schemaname === undefined ? undefined : lowerName(schemaname);
    this.relations.push(schema === undefined ? { name } : { name, schema });
    this.scope.set(name, name);
    if (alias !== undefined) this.scope.set(lowerName(alias), name);
  }

  addScopeName(alias: string): void {
    const name = lowerName(alias);
    if (!this.scope.has(name)) this.scope.set(name, name);
  }

  addFunction(parts: string[]): void {
    if (parts.length === 0) return;
    this.functions.add(parts[parts.length - 1]!);
    if (parts.length > 1) this.functions.add(parts.join('.'));
  }

  /** Runs `walk` with `from` as the current level's FROM items (for unqualified columns). */
  withFrom(from: string[], walk: () => void): void {
    this.fromStack.push(from);
    try {
      walk();
    } finally {
      this.fromStack.pop();
    }
  }

  addReference(parts: string[], usage: ColumnUsage): void {
    if (parts.length === 0) return;
    const name = parts[parts.length - 1]!;
    const qualifier = parts.length > 1 ? parts[parts.length - 2] : undefined;
    if (qualifier !== undefined) {
      this.references.push({ qualifier, name, usage, direct: false });
      return;
    }
    const from = this.fromStack[this.fromStack.length - 1];
    const reference: ColumnReference = { name, usage, direct: false };
    if (from?.length === 1) reference.inferred = from[0]!;
    this.references.push(reference);
  }

  addColumn(name: string, table: string | undefined, usage: ColumnUsage): void {
    const column = lowerName(name);
    this.references.push(table === undefined ? { name: column, usage, direct: true } : { qualifier: table, name: column, usage, direct: true });
  }

  /**
   * Whether `qualifier.name` is a function call on a whole row. With the catalog's columns of a
   * table this is exact; without them (or for a subquery/CTE row), the builtins PostgreSQL can
   * call with one row are assumed to be meant.
   */
  private isRowFunction(qualifier: string, name: string, tableNames: ReadonlySet<string>): boolean {
    const columns = tableNames.has(qualifier) ? this.catalog?.[qualifier] : undefined;
    if (columns !== undefined) return !columns.includes(name);
    return POSTGRES_ROW_ARGUMENT_FUNCTIONS.has(name);
  }

  private isTable(relation: Relation): boolean {
    return relation.schema !== undefined || !this.cteNames.has(relation.name);
  }

  toFacts(): JsonObject {
    const tables = unique(this.relations.filter((r) => this.isTable(r)).map((r) => r.name));
    const schemas = unique(this.relations.flatMap((r) => (r.schema === undefined ? [] : [r.schema])));
    const tableNames = new Set(this.relations.filter((r) => this.isTable(r)).map((r) => r.name));
    const inScope = new Set(this.scope.values());
    const only = inScope.size === 1 ? [...inScope][0] : undefined;
    const resolve = (qualifier: string): string => this.scope.get(qualifier) ?? qualifier;

    // An unqualified column belongs to the one relation of its FROM list; with several it is unknown.
    const tableOf = (ref: ColumnReference): string | undefined =>
      ref.qualifier !== undefined ? resolve(ref.qualifier) : ref.inferred !== undefined ? resolve(ref.inferred) : undefined;
    const columns = new Map<string, { name: string; table?: string; usage: Set<ColumnUsage> }>();
    const add = (name: string, table: string | undefined, usage: ColumnUsage): void => {
      const key = `${table ?? ''}\u0000${name}`;
      const entry = columns.get(key) ?? (table === undefined ? { name, usage: new Set() } : { name, table, usage: new Set() });
      entry.usage.add(usage);
      columns.set(key, entry);
    };
    for (const ref of this.references) {
      if (ref.direct) {
        add(ref.name, ref.qualifier === undefined ? only : resolve(ref.qualifier), ref.usage);
      } else if (ref.name === '*') {
        add('*', tableOf(ref), STAR_AS_COLUMNS.has(ref.usage) ? ref.usage : 'wholerow');
      } else if (ref.qualifier !== undefined && this.isRowFunction(resolve(ref.qualifier), ref.name, tableNames)) {
        // PostgreSQL reads `t.f`, when t has no column f, as the call f(t): the whole row leaves
        // inside one value (`u.row_to_json`, `users.to_jsonb`).
        add('*', resolve(ref.qualifier), 'wholerow');
        this.functions.add(ref.name);
      } else if (ref.qualifier === undefined && this.scope.has(ref.name) && !this.functionAliases.has(ref.name)) {
        // A bare relation name used as a value (`SELECT users FROM users`, `to_json(u)`) is the
        // whole row: every column, masked or not, leaves inside one value.
        add('*', resolve(ref.name), 'wholerow');
      } else {
        add(ref.name, tableOf(ref), ref.usage);
      }
    }

    const facts: JsonObject = {
      kind: this.kind,
      tables,
      columns: [...columns.values()].map((c) => {
        const column: JsonObject = { name: c.name };
        if (c.table !== undefined) column.table = c.table;
        column.usage = [...c.usage].sort();
        return column;
      }),
      hasWhere: this.hasWhere,
      functions: [...this.functions].sort(),
    };
    if (schemas.length > 0) facts.schemas = schemas;
    if (this.hasWhere && this.whereTrivial) facts.whereTrivial = true;
    if (this.hasWhere) facts.whereBounds = this.whereBounds.map((b) => ({ ...b }));
    if (this.settings.size > 0) facts.settings = [...this.settings].sort();
    if (this.dynamic.size > 0) facts.dynamic = [...this.dynamic].sort();
    if (this.nested) facts.nested = true;
    if (this.text !== undefined) facts.text = this.text;
    for (const [key, value] of Object.entries(this.extra)) facts[key] = value as JsonValue;
    return facts;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
