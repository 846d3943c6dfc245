import { GatehouseError, type JsonObject, type JsonValue } from '../../engine/model/index.ts';

/** What an argument's text is, for the engine to compute facts from. */
export type TextKind = 'sql' | 'shell';

/**
 * Which arguments of which tool hold SQL or shell text, keyed `SERVER/TOOL`. Configured with
 * `--text-arg SERVER/TOOL:ARG=sql|shell`; the configuration wins over the tool's own schema.
 */
export type TextArgumentMap = Map<string, Map<string, TextKind>>;

export class TextArgumentError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_MCP_CONFIG', message);
    this.name = 'TextArgumentError';
  }
}

export function parseTextArgument(text: string, into: TextArgumentMap = new Map()): TextArgumentMap {
  const match = /^([a-z0-9]+(?:-[a-z0-9]+)*)\/([^:\s]+):([^=\s]+)=(sql|shell)$/.exec(text);
  if (!match) throw new TextArgumentError(`--text-arg '${text}' must be SERVER/TOOL:ARGUMENT=sql|shell, e.g. db/query:sql=sql`);
  const key = `${match[1]}/${match[2]}`;
  const forTool = into.get(key) ?? new Map<string, TextKind>();
  forTool.set(match[3]!, match[4] as TextKind);
  into.set(key, forTool);
  return into;
}

/**
 * The arguments a tool's input schema marks as SQL or shell text: a property with
 * `"format": "sql"` / `"format": "shell"`, or `"x-gatehouse-text": "sql" | "shell"`.
 */
export function textKindsFromSchema(inputSchema: unknown): Map<string, TextKind> {
  const kinds = new Map<string, TextKind>();
  if (typeof inputSchema !== 'object' || inputSchema === null) return kinds;
  const properties = (inputSchema as { properties?: unknown }).properties;
  if (typeof properties !== 'object' || properties === null) return kinds;
  for (const [name, schema] of Object.entries(properties)) {
    if (typeof schema !== 'object' || schema === null) continue;
    const marked = (schema as Record<string, unknown>)['x-gatehouse-text'] ?? (schema as Record<string, unknown>).format;
    if (marked === 'sql' || marked === 'shell') kinds.set(name, marked);
  }
  return kinds;
}

/**
 * The decision context of one call: `context.mcp` names the server, the tool (or prompt,
 * resource) and its arguments; arguments holding SQL become `context.sql.text`, shell text
 * `context.command.text`, so the engine computes the same facts as for the PostgreSQL and SSH
 * proxies. Several arguments of one kind are joined (every statement or command is then
 * checked). A text argument that is not a string cannot be checked: the call is refused.
 */
export function buildCallContext(
  mcp: JsonObject,
  args: Record<string, unknown> | undefined,
  kinds: Map<string, TextKind>,
): { context: JsonObject } | { error: string } {
  const argumentsJson = toJson(args ?? {});
  if (argumentsJson === undefined) return { error: 'the arguments are not plain JSON' };
  const sql: string[] = [];
  const shell: string[] = [];
  for (const [name, kind] of kinds) {
    const value = args?.[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') return { error: `argument ${name} holds ${kind === 'sql' ? 'SQL' : 'a shell command'} and must be a string` };
    (kind === 'sql' ? sql : shell).push(value);
  }
  const context: JsonObject = { mcp: { ...mcp, arguments: argumentsJson } };
  if (sql.length > 0) context.sql = { text: sql.join(';\n') };
  if (shell.length > 0) context.command = { text: shell.join('\n') };
  return { context };
}

/** The configured kinds for a tool, over those its schema declares. */
export function textKindsFor(configured: TextArgumentMap, server: string, tool: string, inputSchema: unknown): Map<string, TextKind> {
  const kinds = textKindsFromSchema(inputSchema);
  for (const [name, kind] of configured.get(`${server}/${tool}`) ?? []) kinds.set(name, kind);
  return kinds;
}

function toJson(value: unknown, depth = 0): JsonValue | undefined {
  if (depth > 64) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const json = toJson(item, depth + 1);
      if (json === undefined) return undefined;
      out.push(json);
    }
    return out;
  }
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const json = toJson(item, depth + 1);
      if (json === undefined) return undefined;
      out[key] = json;
    }
    return out;
  }
  return undefined;
}
