import type { JsonValue } from '../../engine/model/index.ts';
import type { Obligations } from '../../engine/model/index.ts';

/** Written in place of a masked value (the PostgreSQL proxy writes the same for text). */
export const MASK_TEXT = '********';

type Segment = { kind: 'key'; name: string; anyDepth: boolean; caseless: boolean } | { kind: 'index'; index: number } | { kind: 'all' };

/** One parsed entry of a `mask` obligation. */
export interface MaskPath {
  text: string;
  segments: Segment[];
}

/**
 * Reads a decision's `mask` obligation as JSON paths into a result: `$.rows[*].email`,
 * `$.user.phone`, `$..ssn`, `$.items[0].card`, `$['odd key']`. A plain name (`email`, or
 * `customers.email` as the SQL rules write it) masks that key at any depth, case-insensitively,
 * like the PostgreSQL proxy masks a column wherever it appears. Undefined when the obligation
 * is there but not a list of paths this parser understands: nobody can know what to hide, so
 * the call is refused.
 */
export function maskPaths(obligations: Obligations): MaskPath[] | undefined {
  const mask = obligations.mask;
  if (mask === undefined || mask === null) return [];
  if (!Array.isArray(mask)) return undefined;
  const paths: MaskPath[] = [];
  for (const entry of mask) {
    if (typeof entry !== 'string' || entry.trim() === '') return undefined;
    const segments = parsePath(entry.trim());
    if (!segments) return undefined;
    paths.push({ text: entry, segments });
  }
  return paths;
}

function parsePath(text: string): Segment[] | undefined {
  if (!text.startsWith('$')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(text)) return undefined;
    const name = text.slice(text.lastIndexOf('.') + 1);
    return [{ kind: 'key', name, anyDepth: true, caseless: true }];
  }
  const segments: Segment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    let match: RegExpExecArray | null;
    if ((match = /^(\.\.?)([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest))) {
      segments.push({ kind: 'key', name: match[2]!, anyDepth: match[1] === '..', caseless: false });
    } else if ((match = /^\.\*/.exec(rest)) || (match = /^\[\*\]/.exec(rest))) {
      segments.push({ kind: 'all' });
    } else if ((match = /^\[(\d{1,9})\]/.exec(rest))) {
      segments.push({ kind: 'index', index: Number(match[1]) });
    } else if ((match = /^\[(\.?)'([^'\\]*)'\]/.exec(rest))) {
      segments.push({ kind: 'key', name: match[2]!, anyDepth: false, caseless: false });
    } else {
      return undefined;
    }
    i += match[0].length;
  }
  return segments.length > 0 ? segments : undefined;
}

/** A copy of `value` with every node a path selects replaced by MASK_TEXT, and how many were. */
export function applyMask(value: JsonValue, paths: MaskPath[]): { value: JsonValue; masked: number } {
  let masked = 0;
  let current = value;
  for (const path of paths) {
    const result = maskAt(current, path.segments, 0);
    current = result.value;
    masked += result.masked;
  }
  return { value: current, masked };
}

function maskAt(value: JsonValue, segments: Segment[], at: number): { value: JsonValue; masked: number } {
  if (at === segments.length) return { value: MASK_TEXT, masked: 1 };
  const segment = segments[at]!;
  let masked = 0;
  if (segment.kind === 'key' && segment.anyDepth) {
    // Recursive descent: the key here, and the same segment again in every child.
    if (Array.isArray(value)) {
      const out = value.map((item) => {
        const r = maskAt(item, segments, at);
        masked += r.masked;
        return r.value;
      });
      return { value: out, masked };
    }
    if (value === null || typeof value !== 'object') return { value, masked: 0 };
    const out: Record<string, JsonValue> = {};
    for (const [key, child] of Object.entries(value)) {
      const hit = segment.caseless ? key.toLowerCase() === segment.name.toLowerCase() : key === segment.name;
      const r = hit ? maskAt(child, segments, at + 1) : maskAt(child, segments, at);
      out[key] = r.value;
      masked += r.masked;
    }
    return { value: out, masked };
  }
  if (segment.kind === 'key') {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !(segment.name in value)) return { value, masked: 0 };
    const r = maskAt(value[segment.name]!, segments, at + 1);
    return { value: { ...value, [segment.name]: r.value }, masked: r.masked };
  }
  if (segment.kind === 'index') {
    if (!Array.isArray(value) || segment.index >= value.length) return { value, masked: 0 };
    const r = maskAt(value[segment.index]!, segments, at + 1);
    const out = [...value];
    out[segment.index] = r.value;
    return { value: out, masked: r.masked };
  }
  if (Array.isArray(value)) {
    const out = value.map((item) => {
      const r = maskAt(item, segments, at + 1);
      masked += r.masked;
      return r.value;
    });
    return { value: out, masked };
  }
  if (value === null || typeof value !== 'object') return { value, masked: 0 };
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    const r = maskAt(child, segments, at + 1);
    out[key] = r.value;
    masked += r.masked;
  }
  return { value: out, masked };
}
