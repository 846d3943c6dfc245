import { createHash } from 'node:crypto';
import type { DecideCall } from './decide-call.ts';

/**
 * A digest of everything that makes a request what it is, so that a request_id reused for a
 * different request is told apart from a retry. Keys are sorted: two clients may encode a
 * Struct's map in different orders. The raw token only enters the hash, never storage.
 */
export function requestFingerprint(call: DecideCall): string {
  const hash = createHash('sha256');
  // A context sent as JSON bytes is hashed as sent (a retry repeats the bytes: see
  // decision.proto `context_json`), which spares re-serialising the largest part of most
  // requests. The canonical text never holds a raw NUL (JSON escapes it), so the bytes after
  // the separator cannot be confused with any part of it; `contextJson` tells the two forms apart.
  hash.update(canonicalJson({
    subject: call.subject ?? null,
    action: call.action,
    resource: call.resource,
    context: call.contextJson === undefined ? call.context : undefined,
    contextJson: call.contextJson === undefined ? undefined : call.contextJson.length,
    token: call.token ?? null,
    sessionId: call.sessionId ?? null,
  }));
  if (call.contextJson !== undefined) {
    hash.update('\0');
    hash.update(call.contextJson);
  }
  return hash.digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}
