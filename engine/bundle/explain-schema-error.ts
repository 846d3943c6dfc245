import type { ErrorObject } from 'ajv';

/**
 * Turns one ajv error into a sentence a policy author can act on: where (in YAML terms, with
 * the case name when inside a case), what is wrong, and the fix.
 */
export function explainSchemaError(error: ErrorObject, root: unknown): string {
  const segments = pointerSegments(error.instancePath);
  const where = describePath(segments, root);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return `${where} is missing '${missing}'${requiredHint(segments, missing)}`;
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties ?? {}) as Record<string, unknown>);
      const guess = closestName(extra, allowed);
      return `${where} has unknown key '${extra}'${guess ? `; did you mean '${guess}'?` : ''} (allowed: ${allowed.join(', ')})`;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = closestName(String(error.data), allowed);
      return `${where} is ${JSON.stringify(error.data)}; use one of ${allowed.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`;
    }
    case 'type':
      return `${where} must be ${typeWords(String(params.type), segments)}, not ${typeOfValue(error.data)}`;
    case 'pattern':
      return `${where} ${JSON.stringify(error.data)} is not an RFC 3339 instant; write it quoted, like "2026-11-25T10:00:00Z"`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'minItems':
      return `${where} must list at least one entry`;
    case 'minimum':
      return `${where} must be ${String(params.comparison)} ${String(params.limit)}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

export function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `case "name": expect.effect`, `fixtures.subjects.alice`, or `the file` at the root. */
export function describePath(segments: (string | number)[], root: unknown): string {
  if (segments.length === 0) return 'the file';
  if (segments[0] === 'cases' && typeof segments[1] === 'number') {
    const cases = (root as { cases?: unknown[] } | null)?.cases;
    const name = (cases?.[segments[1]] as { name?: unknown } | undefined)?.name;
    const label = typeof name === 'string' && name ? `case "${name}"` : `cases[${segments[1]}]`;
    const rest = joinPath(segments.slice(2));
    return rest ? `${label}: ${rest}` : label;
  }
  return joinPath(segments);
}

function joinPath(segments: (string | number)[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function requiredHint(segments: (string | number)[], missing: string): string {
  const last = segments[segments.length - 1];
  if (segments[0] === 'cases' && segments.length === 2) {
    return missing === 'name'
      ? ' (give each case a unique name)'
      : ` (each case needs name, subject, action, resource and expect)`;
  }
  if (last === 'resource' || segments[segments.length - 2] === 'resources') {
    return ' (a resource needs type and id, e.g. { type: Database, id: orders })';
  }
  if (last === 'subject' || segments[segments.length - 2] === 'subjects') return ' (a subject needs an id, e.g. { id: alice, groups: [dba] })';
  if (last === 'expect') return ' (expect needs effect: allow, deny or require_approval)';
  if (segments.length === 0) return ' (a decision-test file lists its cases under cases:)';
  return '';
}

function typeWords(type: string, segments: (string | number)[]): string {
  const last = segments[segments.length - 1];
  if (type === 'object' && (last === 'subject' || last === 'resource' || last === 'token')) {
    return `a fixture name or an inline ${String(last)} object`;
  }
  if (type === 'object') return 'a mapping (key: value)';
  if (type === 'array') return 'a list';
  return `a ${type}`;
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The allowed name within edit distance 2 of a misspelling, if any. */
export function closestName(wrong: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = editDistance(wrong.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
