import { createHash } from 'node:crypto';
import type { DecideCall } from './decide-call.ts';

/**
 * A digest of everything that makes a request what it is, so that a request_id reused for a
 * different request is told apart from a retry. Keys are sorted: two clients may encode a
 * Struct's map in different orders. The raw token only enters the hash, never storage.
 */
export function requestFingerprint(call: DecideCall): string {
  const hash = createHash('sha256');
  hash.update(canonicalJson({
    subject: call.subject ?? null,
    action: call.action,
    resource: call.resource,
    context: call.context,
    token: call.token ?? null,
    sessionId: call.sessionId ?? null,
  }));
  return hash.digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}
