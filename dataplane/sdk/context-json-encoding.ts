import type { JsonObject, JsonValue } from '../../engine/model/index.ts';
import { StructJsonError } from '../../proto/struct-json.ts';

/**
 * The request context as `DecideRequest.context_json` bytes. `JSON.stringify` alone would turn
 * NaN and Infinity into null and drop undefined members: the service would decide on data the
 * proxy never had. So the context is checked first and refused exactly where the Struct encoder
 * refuses (StructJsonError naming the path); the data plane then denies instead of sending.
 */
export function encodeContextJson(context: JsonObject): Buffer {
  // The walk that names the offending path allocates a string per member: run only on failure.
  if (!isPlainJson(context)) checkValue(context, 'context');
  return Buffer.from(JSON.stringify(context), 'utf8');
}

function isPlainJson(value: JsonValue): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i]!)) return false;
        return true;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
      for (const key of Object.keys(value)) if (!isPlainJson(value[key]!)) return false;
      return true;
    default:
      return false;
  }
}

function checkValue(value: JsonValue, path: string): void {
  if (value === null) return;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new StructJsonError(path, 'numbers must be finite (no NaN or Infinity)');
      return;
    case 'object':
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkValue(value[i]!, `${path}[${i}]`);
        return;
      }
      // A toJSON method would make the bytes differ from the values checked here.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw new StructJsonError(path, 'an object with toJSON is not a JSON value');
      for (const key of Object.keys(value)) checkValue(value[key]!, `${path}.${key}`);
      return;
    default:
      // Reachable only by a caller that bypassed the types (a bigint, undefined, a function).
      throw new StructJsonError(path, `${typeof value} is not a JSON value`);
  }
}
