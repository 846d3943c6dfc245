import { GatehouseError, type JsonObject, type JsonValue } from '../../model/index.ts';
import { isJsonObject } from '../../model/index.ts';

/**
 * Constraints a planner can put into a scoped token, narrowing it below its actions:
 * - `sqlKinds`: every statement of `context.sql` has one of these kinds (lower-case).
 * - `sqlTables`: every table a statement touches is one of these (lower-case, unqualified).
 * - `sqlText`: `context.sql.text` is exactly this text (only leading/trailing whitespace ignored;
 *   literals count, so a token for `DELETE … WHERE id = 7` does not cover `id = 8`).
 * - `commandText`: `context.command.text`, compared the same way.
 * - `argvPrefix`: every simple command of `context.command` starts with these argv words, and
 *   none is dynamic.
 * Unknown keys are refused at issue and fail the check: a constraint that cannot be enforced denies.
 */
export const CONSTRAINT_KEYS = ['sqlKinds', 'sqlTables', 'sqlText', 'commandText', 'argvPrefix'] as const;

export class ConstraintError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_TOKEN_CONSTRAINT', message);
    this.name = 'ConstraintError';
  }
}

/** Validates constraints from an IssueToken request; returns them normalised. */
export function validateConstraints(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, raw] of Object.entries(value)) {
    switch (key) {
      case 'sqlKinds':
      case 'sqlTables':
        out[key] = stringList(key, raw).map((s) => s.toLowerCase());
        break;
      case 'argvPrefix':
        out[key] = stringList(key, raw);
        break;
      case 'sqlText':
      case 'commandText':
        if (typeof raw !== 'string' || raw.trim() === '') throw new ConstraintError(`constraint ${key} must be a non-empty string`);
        out[key] = raw;
        break;
      default:
        throw new ConstraintError(`unknown constraint '${key}' (known: ${CONSTRAINT_KEYS.join(', ')})`);
    }
  }
  return out;
}

function stringList(key: string, raw: JsonValue): string[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((item) => typeof item !== 'string' || item === '')) {
    throw new ConstraintError(`constraint ${key} must be a non-empty list of non-empty strings`);
  }
  return raw as string[];
}

/** Checks a token's constraints against the request context (computed facts and raw text); undefined when satisfied. */
export function findConstraintViolation(constraints: JsonObject, context: JsonObject): string | undefined {
  for (const [key, expected] of Object.entries(constraints)) {
    const violation = checkOne(key, expected, context);
    if (violation) return violation;
  }
  return undefined;
}

function checkOne(key: string, expected: JsonValue, context: JsonObject): string | undefined {
  const sql = isJsonObject(context.sql) ? context.sql : undefined;
  const command = isJsonObject(context.command) ? context.command : undefined;
  switch (key) {
    case 'sqlText':
    case 'commandText': {
      const part = key === 'sqlText' ? sql : command;
      const where = key === 'sqlText' ? 'context.sql.text' : 'context.command.text';
      if (typeof expected !== 'string') return `constraint ${key} is malformed`;
      if (!part || typeof part.text !== 'string') return `constraint ${key} requires ${where}, which the request lacks`;
      // Only surrounding whitespace is ignored: literals, case and inner spacing all count.
      return part.text.trim() === expected.trim() ? undefined : `${where} differs from the exact text the token allows`;
    }
    case 'sqlKinds':
    case 'sqlTables': {
      const statements = sqlStatements(sql);
      if (typeof statements === 'string') return `constraint ${key}: ${statements}`;
      const allowed = new Set(asStrings(expected));
      for (const statement of statements) {
        if (key === 'sqlKinds') {
          const kind = typeof statement.kind === 'string' ? statement.kind : '';
          if (!allowed.has(kind)) return `statement kind '${kind}' is not among the token's sqlKinds [${[...allowed].join(', ')}]`;
        } else {
          for (const table of asStrings(statement.tables)) {
            if (!allowed.has(table)) return `table '${table}' is not among the token's sqlTables [${[...allowed].join(', ')}]`;
          }
        }
      }
      return undefined;
    }
    case 'argvPrefix': {
      const prefix = asStrings(expected);
      if (!command || !Array.isArray(command.commands)) return 'constraint argvPrefix requires context.command facts, which the request lacks';
      if (command.parseError !== undefined) return 'constraint argvPrefix: the command did not parse';
      if (command.commands.length === 0) return 'constraint argvPrefix: the command line has no command';
      for (const entry of command.commands) {
        if (!isJsonObject(entry)) return 'constraint argvPrefix: malformed command facts';
        if (entry.dynamic === true) return 'constraint argvPrefix: a command is dynamic (not statically known)';
        const argv = asStrings(entry.argv);
        if (!prefix.every((word, i) => argv[i] === word)) {
          return `command '${argv.join(' ')}' does not start with the token's argvPrefix '${prefix.join(' ')}'`;
        }
      }
      return undefined;
    }
    default:
      return `unknown constraint '${key}' cannot be enforced`;
  }
}

function sqlStatements(sql: JsonObject | undefined): JsonObject[] | string {
  if (!sql || !Array.isArray(sql.statements)) return 'requires context.sql facts, which the request lacks';
  if (sql.parseError !== undefined) return 'the SQL did not parse';
  if (sql.statements.length === 0) return 'the SQL has no statement';
  if (!sql.statements.every(isJsonObject)) return 'malformed SQL facts';
  return sql.statements as JsonObject[];
}

function asStrings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
