import { parseSync } from 'libpg-query';
import type { JsonObject } from '../model/index.ts';
import { INFORMATION_SCHEMA_FUNCTIONS } from './information-schema-functions.ts';
import { POSTGRES_BUILTIN_FUNCTIONS } from './postgres-builtins.ts';
import { fields, list, lowerName, nameParts, stringNode, unwrap, type AstFields } from './sql-ast.ts';
import type { SqlCatalog } from './sql-catalog.ts';
import { StatementCollector, type ColumnUsage } from './sql-statement-collector.ts';
import { objectTypeName, statementKind, WRITE_NODES } from './sql-statement-kind.ts';
import { SQL_STRING_FUNCTIONS, VALUE_CATALOGS, whereBounds } from './sql-resolution.ts';

const TABLE_OBJECTS = new Set(['table', 'view', 'matview', 'index', 'sequence', 'foreign_table']);

/**
 * Walks the statements of one parse result into fact entries: one per top-level statement, plus
 * one (`nested: true`) for every write hidden in a CTE or subquery and for the statement inside
 * EXPLAIN or PREPARE. Reads nested in a statement (subqueries, CTE selects) add to its entry.
 */
export class SqlStatementWalker {
  private readonly collectors: StatementCollector[] = [];
  /** Facts of SQL passed as a string to a function (query_to_xml('…')), as nested entries. */
  private readonly stringFacts: JsonObject[] = [];

  constructor(
    private readonly catalog?: SqlCatalog,
    /** How deep in SQL-inside-a-string this walker is; past MAX_STRING_DEPTH it gives up (dynamic). */
    private readonly depth = 0,
  ) {}

  walkTopLevel(node: unknown, text: string | undefined): void {
    const statement = unwrap(node);
    if (!statement) return;
    this.walkStatement(statement[0], statement[1], false, new Set(), text);
  }

  facts(): JsonObject[] {
    return [...this.collectors.map((c) => c.toFacts()), ...this.stringFacts];
  }

  private walkStatement(name: string, body: AstFields, nested: boolean, ctes: Set<string>, text?: string): void {
    const c = new StatementCollector(statementKind(name, body), nested || this.depth > 0, ctes, text, this.catalog);
    this.collectors.push(c);
    switch (name) {
      case 'SelectStmt':
        this.walkSelect(body, c, 'output');
        c.hasWhere = body.whereClause !== undefined;
        break;
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt':
        this.walkWrite(name, body, c);
        break;
      case 'CopyStmt':
        this.walkCopy(body, c);
        break;
      case 'ExplainStmt':
        if (list(body.options).some((o) => unwrap(o)?.[1].defname === 'analyze')) c.extra.analyze = true;
        this.walkInner(body.query, ctes);
        break;
      case 'PrepareStmt':
        this.walkInner(body.query, ctes);
        break;
      case 'DropStmt':
        this.walkDrop(body, c);
        break;
      case 'VariableSetStmt':
        if (typeof body.name === 'string') c.extra.setting = lowerName(body.name);
        addSetting(body, c);
        break;
      case 'DoStmt':
        // A DO block can run anything, SET included; its body is not SQL this walker reads.
        c.settings.add('*');
        c.dynamic.add('a DO block runs code the facts cannot see');
        for (const arg of list(body.args)) {
          const option = unwrap(arg)?.[1];
          if (option?.defname === 'language') c.extra.language = lowerName(stringNode(option.arg) ?? '');
        }
        break;
      case 'CallStmt':
        c.settings.add('*');
        this.walk(body, c, 'expression');
        break;
      default: {
        const objectType = objectTypeName(body.objtype ?? body.relkind ?? body.renameType);
        if (objectType !== undefined) c.extra.objectType = objectType;
        if (name === 'CreateStmt') c.extra.objectType = 'table';
        this.walk(body, c, 'expression');
      }
    }
    if (c.cteNames.size > 0 && !nested) c.extra.ctes = [...c.cteNames];
  }

  /** A statement run inside another one (EXPLAIN ANALYZE, PREPARE) is reported as its own entry. */
  private walkInner(query: unknown, ctes: Set<string>): void {
    const inner = unwrap(query);
    if (inner) this.walkStatement(inner[0], inner[1], true, ctes);
  }

  private walk(value: unknown, c: StatementCollector, usage: ColumnUsage): void {
    if (Array.isArray(value)) {
      for (const item of value) this.walk(item, c, usage);
      return;
    }
    const node = unwrap(value);
    if (!node) {
      const struct = fields(value);
      if (!struct) return;
      if (typeof struct.relname === 'string') return this.addRangeVar(struct, c);
      // ALTER ROLE/DATABASE … SET holds its SET as a bare VariableSetStmt (`setstmt`).
      if (typeof struct.kind === 'string' && struct.kind.startsWith('VAR_')) addSetting(struct, c);
      if (Array.isArray(struct.funcname)) this.addFunctionCall(struct.funcname, list(struct.args), c); // a bare FuncCall (CALL)
      for (const child of Object.values(struct)) this.walk(child, c, usage);
      return;
    }
    const [name, body] = node;
    if (WRITE_NODES.has(name)) return this.walkStatement(name, body, true, c.cteNames);
    switch (name) {
      case 'ColumnRef':
        return c.addReference(columnRefParts(body), usage);
      case 'FuncCall':
        this.addFunctionCall(body.funcname, list(body.args), c);
        for (const key of ['args', 'agg_order', 'agg_filter', 'over']) this.walk(body[key], c, usage);
        return;
      case 'VariableSetStmt':
        // ALTER ROLE/DATABASE … SET, a function's SET clause: a setting some session will get.
        addSetting(body, c);
        return;
      case 'RangeVar':
        return this.addRangeVar(body, c);
      case 'RangeSubselect':
        this.addAlias(body.alias, c);
        return this.walkSelectLike(body.subquery, c, 'output');
      case 'RangeFunction': {
        this.addAlias(body.alias, c);
        const alias = fields(body.alias)?.aliasname;
        if (typeof alias === 'string') c.functionAliases.add(lowerName(alias));
        return this.walk(body.functions, c, 'expression');
      }
      case 'JoinExpr':
        this.addAlias(body.alias, c);
        this.walk(body.larg, c, usage);
        this.walk(body.rarg, c, usage);
        this.walk(body.quals, c, 'join');
        for (const column of nameParts(body.usingClause)) c.addColumn(column, undefined, 'join');
        return;
      case 'SubLink':
        this.walk(body.testexpr, c, usage);
        return this.walkSelectLike(body.subselect, c, usage);
      case 'SelectStmt':
        return this.walkSelect(body, c, usage);
      case 'CommonTableExpr':
        if (typeof body.ctename === 'string') c.cteNames.add(lowerName(body.ctename));
        return this.walkSelectLike(body.ctequery, c, 'output');
      case 'ResTarget':
        if (typeof body.name === 'string') c.addColumn(body.name, undefined, 'assignment');
        this.walk(body.indirection, c, usage);
        return this.walk(body.val, c, usage);
      default:
        for (const child of Object.values(body)) this.walk(child, c, usage);
    }
  }

  private walkSelectLike(value: unknown, c: StatementCollector, targetUsage: ColumnUsage): void {
    const node = unwrap(value);
    if (node && node[0] === 'SelectStmt') this.walkSelect(node[1], c, targetUsage);
    else this.walk(value, c, targetUsage === 'output' ? 'expression' : targetUsage);
  }

  /**
   * `targetUsage` is what a plain column of the target list means here: `output` at the top and
   * in FROM subqueries and CTEs (PostgreSQL traces those back to the table column), the
   * enclosing clause's usage for a subquery inside an expression.
   */
  private walkSelect(s: AstFields, c: StatementCollector, targetUsage: ColumnUsage): void {
    c.withFrom(fromItems(s.fromClause), () => this.walkSelectLevel(s, c, targetUsage));
  }

  private walkSelectLevel(s: AstFields, c: StatementCollector, targetUsage: ColumnUsage): void {
    const inner: ColumnUsage = targetUsage === 'output' ? 'expression' : targetUsage;
    this.walk(fields(s.withClause)?.ctes, c, 'expression');
    if (typeof s.op === 'string' && s.op !== 'SETOP_NONE') {
      // A UNION's result columns are not attributed to any table, so a mask could not apply.
      for (const arm of [s.larg, s.rarg]) {
        const armFields = fields(arm);
        if (armFields) this.walkSelect(armFields, c, inner);
      }
    }
    this.walk(s.fromClause, c, 'expression');
    for (const target of list(s.targetList)) {
      const val = unwrap(target)?.[1].val;
      const ref = unwrap(val);
      if (ref && ref[0] === 'ColumnRef') c.addReference(columnRefParts(ref[1]), targetUsage);
      else this.walk(val, c, inner);
    }
    this.walk(s.whereClause, c, 'filter');
    this.walk(s.groupClause, c, 'group');
    this.walk(s.havingClause, c, 'filter');
    this.walk(s.sortClause, c, 'order');
    for (const key of ['distinctClause', 'windowClause', 'valuesLists', 'limitOffset', 'limitCount', 'lockingClause']) {
      this.walk(s[key], c, 'expression');
    }
    const into = fields(fields(s.intoClause)?.rel);
    if (into) this.addRangeVar(into, c);
  }

  private walkWrite(name: string, w: AstFields, c: StatementCollector): void {
    const from = [...fromItems([{ RangeVar: w.relation }]), ...fromItems(w.fromClause), ...fromItems(w.usingClause), ...fromItems([w.sourceRelation])];
    c.withFrom(from, () => this.walkWriteLevel(name, w, c));
  }

  private walkWriteLevel(name: string, w: AstFields, c: StatementCollector): void {
    this.walk(fields(w.withClause)?.ctes, c, 'expression');
    const relation = fields(w.relation);
    if (relation) this.addRangeVar(relation, c);
    const target = typeof relation?.relname === 'string' ? lowerName(relation.relname) : undefined;
    // Writing pg_settings is SET by another name (UPDATE pg_settings SET setting = … WHERE name = …).
    if (target === 'pg_settings') c.settings.add('*');
    const assign = (targets: unknown): void => {
      for (const item of list(targets)) {
        const t = unwrap(item)?.[1];
        if (!t) continue;
        if (typeof t.name === 'string') c.addColumn(t.name, target, 'assignment');
        this.walk(t.val, c, 'expression');
      }
    };
    if (name === 'InsertStmt') {
      assign(w.cols);
      this.walkSelectLike(w.selectStmt, c, 'expression');
      const conflict = fields(w.onConflictClause);
      if (conflict) {
        assign(conflict.targetList);
        this.walk(conflict.infer, c, 'expression');
        this.walk(conflict.whereClause, c, 'filter');
      }
    } else if (name === 'UpdateStmt') {
      assign(w.targetList);
    } else if (name === 'MergeStmt') {
      this.walk(w.sourceRelation, c, 'expression');
      this.walk(w.joinCondition, c, 'join');
      for (const clause of list(w.mergeWhenClauses)) {
        const when = unwrap(clause)?.[1];
        if (!when) continue;
        assign(when.targetList);
        this.walk(when.values, c, 'expression');
        this.walk(when.condition, c, 'filter');
      }
    }
    this.walk(w.fromClause, c, 'expression');
    this.walk(w.usingClause, c, 'expression');
    if (w.whereClause !== undefined) {
      c.hasWhere = true;
      const before = c.references.length;
      this.walk(w.whereClause, c, 'filter');
      // `WHERE true` / `WHERE 1 = 1` still touches every row.
      c.whereTrivial = c.references.length === before;
      c.whereBounds = whereBounds(w.whereClause, target, fromItems([{ RangeVar: w.relation }]));
    }
    for (const item of list(fields(w.returningClause)?.exprs)) {
      const val = unwrap(item)?.[1].val;
      const ref = unwrap(val);
      if (ref && ref[0] === 'ColumnRef') c.addReference(columnRefParts(ref[1]), 'returning');
      else this.walk(val, c, 'returning');
    }
  }

  private walkCopy(body: AstFields, c: StatementCollector): void {
    const relation = fields(body.relation);
    if (relation) {
      this.addRangeVar(relation, c);
      const table = typeof relation.relname === 'string' ? lowerName(relation.relname) : undefined;
      const columns = nameParts(body.attlist);
      for (const column of columns.length > 0 ? columns : ['*']) c.addColumn(column, table, 'copy');
    }
    this.walkSelectLike(body.query, c, 'copy');
    if (body.whereClause !== undefined) {
      c.hasWhere = true;
      this.walk(body.whereClause, c, 'filter');
    }
    const direction = body.is_from ? 'from' : 'to';
    const program = body.is_program === true;
    const target = typeof body.filename === 'string' ? body.filename : direction === 'from' ? 'stdin' : 'stdout';
    c.extra.copy = { direction, program, target };
  }

  private walkDrop(body: AstFields, c: StatementCollector): void {
    const objectType = objectTypeName(body.removeType);
    if (objectType !== undefined) c.extra.objectType = objectType;
    const objects: string[] = [];
    for (const object of list(body.objects)) {
      const node = unwrap(object);
      const parts = node?.[0] === 'List' ? nameParts(node[1].items) : nameParts([object]);
      if (parts.length === 0) {
        this.walk(object, c, 'expression');
        continue;
      }
      objects.push(parts.join('.'));
      if (objectType !== undefined && TABLE_OBJECTS.has(objectType)) {
        c.relations.push(parts.length > 1 ? { name: parts[parts.length - 1]!, schema: parts[parts.length - 2]! } : { name: parts[0]! });
      }
    }
    c.extra.objects = objects;
  }

  private addRangeVar(rangeVar: AstFields, c: StatementCollector): void {
    if (typeof rangeVar.relname !== 'string') return;
    const schema = typeof rangeVar.schemaname === 'string' ? rangeVar.schemaname : undefined;
    const alias = fields(rangeVar.alias)?.aliasname;
    c.addRelation(rangeVar.relname, schema, typeof alias === 'string' ? alias : undefined);
    // Statistics and statement-text views carry values of other tables' columns (most common
    // values, histograms, literals of other sessions' queries): reading them reads whole rows.
    const name = lowerName(rangeVar.relname);
    if (VALUE_CATALOGS.has(name) && (schema === undefined || lowerName(schema) === 'pg_catalog')) c.addColumn('*', name, 'wholerow');
  }

  /**
   * A function call: its name for the policy, and what it implies that its name does not say.
   * set_config changes a setting; a function that is not a PostgreSQL builtin may run SET (or
   * anything) inside; a function that takes SQL or a relation name as a string reads what that
   * string names, so a constant one is parsed here and its facts merged, another is dynamic.
   */
  private addFunctionCall(funcname: unknown, args: unknown[], c: StatementCollector): void {
    const parts = nameParts(funcname);
    c.addFunction(parts);
    if (parts.length === 0) return;
    const name = parts[parts.length - 1]!;
    // The schema as PostgreSQL resolves it (its parser already folded unquoted names): a quoted
    // "INFORMATION_SCHEMA" is another schema, whose functions anyone with CREATE could write.
    const spelled = list(funcname)
      .map((item) => stringNode(item))
      .filter((text): text is string => text !== undefined);
    const schema = spelled.length > 1 ? spelled[spelled.length - 2] : undefined;
    const builtin =
      ((schema === undefined || schema === 'pg_catalog') && POSTGRES_BUILTIN_FUNCTIONS.has(name)) ||
      (schema === 'information_schema' && INFORMATION_SCHEMA_FUNCTIONS.has(name));
    if (!builtin) {
      c.settings.add('*');
      return;
    }
    if (name === 'set_config') {
      const setting = constantString(args[0]);
      c.settings.add(setting === undefined ? '*' : lowerName(setting));
    }
    const reads = SQL_STRING_FUNCTIONS.get(name);
    if (!reads) return;
    const argument = reads.argument < args.length ? constantString(args[reads.argument]) : undefined;
    if (reads.kind === 'any' || argument === undefined || this.depth >= MAX_STRING_DEPTH) {
      c.dynamic.add(`${name}() reads ${reads.kind === 'any' ? 'what no argument names' : 'what a non-constant argument names'}`);
      c.settings.add('*');
      c.addColumn('*', undefined, 'wholerow');
      return;
    }
    if (reads.kind === 'relation') {
      const relation = argument.split('.').map((p) => lowerName(p.replace(/^"|"$/g, '')));
      const table = relation[relation.length - 1]!;
      c.relations.push(relation.length > 1 ? { name: table, schema: relation[relation.length - 2]! } : { name: table });
      c.addColumn('*', table, 'wholerow');
      return;
    }
    this.mergeSqlString(name, argument, c);
  }

  private mergeSqlString(name: string, sql: string, c: StatementCollector): void {
    const inner = new SqlStatementWalker(this.catalog, this.depth + 1);
    try {
      const parsed = parseSync(sql);
      for (const raw of list(fields(parsed)?.stmts)) inner.walkTopLevel(fields(raw)?.stmt, undefined);
    } catch {
      c.dynamic.add(`${name}() is given SQL that does not parse`);
      c.settings.add('*');
      return;
    }
    for (const facts of inner.facts()) {
      this.stringFacts.push(facts);
      for (const table of list(facts.tables)) if (typeof table === 'string') c.relations.push({ name: table });
      for (const fn of list(facts.functions)) if (typeof fn === 'string') c.functions.add(fn);
      for (const setting of list(facts.settings)) if (typeof setting === 'string') c.settings.add(setting);
      for (const why of list(facts.dynamic)) if (typeof why === 'string') c.dynamic.add(why);
      // What the inner query returns leaves inside one value (XML, statistics): never plain output.
      for (const column of list(facts.columns)) {
        const col = fields(column);
        if (typeof col?.name !== 'string') continue;
        const table = typeof col.table === 'string' ? col.table : undefined;
        c.addColumn(col.name, table, col.name === '*' ? 'wholerow' : 'expression');
      }
    }
  }

  private addAlias(alias: unknown, c: StatementCollector): void {
    const name = fields(alias)?.aliasname;
    if (typeof name === 'string') c.addScopeName(name);
  }
}

const MAX_STRING_DEPTH = 3;

/** SET name / RESET name / RESET ALL, as the settings the statement changes. */
function addSetting(body: AstFields, c: StatementCollector): void {
  if (body.kind === 'VAR_RESET_ALL') c.settings.add('all');
  else if (typeof body.name === 'string') c.settings.add(lowerName(body.name));
  else c.settings.add('*');
}

/** The value of a string constant (also `'x'::regclass`), else undefined. */
function constantString(value: unknown): string | undefined {
  const node = unwrap(value);
  if (!node) return undefined;
  if (node[0] === 'TypeCast') return constantString(node[1].arg);
  if (node[0] !== 'A_Const') return undefined;
  const sval = fields(node[1].sval)?.sval;
  return typeof sval === 'string' ? sval : undefined;
}

/** The names (alias, else relation) a FROM list makes available at its own level. */
function fromItems(items: unknown): string[] {
  const names: string[] = [];
  for (const item of list(items)) {
    const node = unwrap(item);
    if (!node) continue;
    const [type, body] = node;
    const alias = fields(body.alias)?.aliasname;
    if (typeof alias === 'string') names.push(lowerName(alias));
    else if (type === 'RangeVar' && typeof body.relname === 'string') names.push(lowerName(body.relname));
    else if (type === 'JoinExpr') names.push(...fromItems([body.larg, body.rarg]));
  }
  return names;
}

/** `u.email` → ['u', 'email']; `u.*` and `*` end in '*'. */
function columnRefParts(ref: AstFields): string[] {
  return list(ref.fields).map((field) => {
    const node = unwrap(field);
    if (node?.[0] === 'A_Star') return '*';
    return lowerName(stringNode(field) ?? '');
  });
}
