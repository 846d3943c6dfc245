/**
 * Tiny readers for libpg_query's JSON AST, which arrives as `unknown`: a node is either wrapped
 * (`{ "ColumnRef": { ... } }`) or, in fields whose type is fixed, a bare struct (`relation`).
 */
export type AstFields = Record<string, unknown>;

export function fields(value: unknown): AstFields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as AstFields) : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `{ Name: {...} }` → ['Name', {...}] when the value is a wrapped node. */
export function unwrap(value: unknown): [string, AstFields] | undefined {
  const object = fields(value);
  if (!object) return undefined;
  const keys = Object.keys(object);
  if (keys.length !== 1) return undefined;
  const name = keys[0]!;
  if (!/^[A-Z]/.test(name)) return undefined;
  const body = fields(object[name]);
  return body ? [name, body] : undefined;
}

/** The string of a `{ String: { sval } }` node, lower-cased (see `lowerName`). */
export function stringNode(value: unknown): string | undefined {
  const node = unwrap(value);
  if (!node || node[0] !== 'String') return undefined;
  return typeof node[1].sval === 'string' ? node[1].sval : undefined;
}

/**
 * Names are compared lower-cased: the parser already folds unquoted identifiers, and folding a
 * quoted "Users" too means a policy naming `users` also matches it (the safe direction).
 */
export function lowerName(name: string): string {
  return name.toLowerCase();
}

/** The strings of a name list such as `funcname` or a DROP object (`[schema, name]`). */
export function nameParts(value: unknown): string[] {
  const parts: string[] = [];
  for (const item of list(value)) {
    const text = stringNode(item);
    if (text !== undefined) parts.push(lowerName(text));
  }
  return parts;
}
