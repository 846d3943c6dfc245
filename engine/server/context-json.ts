import type { JsonObject, JsonValue } from '../model/index.ts';
import { InvalidRequestError } from '../decision/index.ts';
import type { StructLimits } from '../../proto/struct-json.ts';

/**
 * `DecideRequest.context_json` at the gRPC edge: the context as one JSON object, parsed once.
 * It is held to the limits of the `Struct` form (size, depth, finite numbers), so either
 * encoding reaches the engine as the same plain, bounded JSON. `JSON.parse` makes a key such as
 * `__proto__` an own data property, as the Struct decoder does, never the prototype.
 */

// Invalid UTF-8 is refused, not replaced: the engine must decide the text the caller meant.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function parseContextJson(bytes: Uint8Array, field: string, limits: StructLimits): JsonObject {
  if (bytes.length > limits.maxChars) throw new InvalidRequestError(field, `larger than ${limits.maxChars} bytes of JSON`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new InvalidRequestError(field, 'not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(field, `not valid JSON (${syntaxErrorWhere(error)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError(field, 'must be a JSON object (e.g. {"sql": {"text": "..."}})');
  }
  checkValue(value as JsonObject, 0, field, limits.maxDepth);
  return value as JsonObject;
}

/**
 * Where the JSON broke, without V8's message: that message can quote the caller's bytes around
 * the error, and a context may hold a secret that must not reach a log or an error status.
 */
function syntaxErrorWhere(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.includes('Unexpected end of JSON input')) return 'it ends before the object does';
  const position = /at position (\d+)/.exec(message)?.[1];
  return position === undefined ? 'an unexpected character' : `error at character ${position}`;
}

/** Depth as the Struct decoder counts it (the object itself is 0) and finite numbers (1e999 parses as Infinity). */
function checkValue(value: JsonValue, depth: number, field: string, maxDepth: number): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidRequestError(field, 'numbers must be finite (a literal such as 1e999 is too large for a double)');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > maxDepth) throw new InvalidRequestError(field, `nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkValue(value[i]!, depth + 1, field, maxDepth);
    return;
  }
  for (const key in value) checkValue(value[key]!, depth + 1, field, maxDepth);
}
