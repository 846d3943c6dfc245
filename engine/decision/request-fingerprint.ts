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

/**
 * JSON with object keys in code-unit order and undefined members left out. Its bytes are what
 * remembered answers are keyed by (also in PostgreSQL state across restarts), so they must never
 * change: test/engine/decision/request-fingerprint.test.ts pins them. Built by concatenation,
 * without the arrays a map-and-join would allocate for every object and list.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/** Object.keys in the order Array.prototype.sort gives strings; by insertion for the few keys most objects have. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  if (keys.length > 12) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
