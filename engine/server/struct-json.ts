import type { ListValue, ListValue__Output } from '../../proto/generated/google/protobuf/ListValue.ts';
import type { Struct, Struct__Output } from '../../proto/generated/google/protobuf/Struct.ts';
import type { Value, Value__Output } from '../../proto/generated/google/protobuf/Value.ts';
import type { JsonObject, JsonValue } from '../model/index.ts';
import { InvalidRequestError } from '../decision/index.ts';

/**
 * google.protobuf.Struct ⇄ JsonObject at the gRPC edge. Decoding validates as it goes, so a
 * request's free-form parts reach the engine as plain, finite, bounded JSON: the error names the
 * offending path (`context.sql.text`, `resource.attributes.tags[2]`).
 */

export interface StructLimits {
  /** Nesting levels below the Struct itself. */
  maxDepth: number;
  /** Rough JSON size budget: key and string lengths plus a few characters per value. */
  maxChars: number;
}

export const DEFAULT_STRUCT_LIMITS: StructLimits = { maxDepth: 32, maxChars: 1024 * 1024 };

interface Budget {
  chars: number;
  readonly limits: StructLimits;
  readonly root: string;
}

/** Decodes a Struct; null/absent is `{}`. Throws InvalidRequestError naming the field. */
export function structToJson(
  struct: Struct__Output | null | undefined,
  field: string,
  limits: StructLimits = DEFAULT_STRUCT_LIMITS,
): JsonObject {
  if (struct === null || struct === undefined) return {};
  const budget: Budget = { chars: 0, limits, root: field };
  return decodeStruct(struct, field, 0, budget);
}

function decodeStruct(struct: Struct__Output, path: string, depth: number, budget: Budget): JsonObject {
  if (depth > budget.limits.maxDepth) {
    throw new InvalidRequestError(budget.root, `nested deeper than ${budget.limits.maxDepth} levels`);
  }
  const out: JsonObject = {};
  const fields = struct.fields ?? {};
  for (const key of Object.keys(fields)) {
    spend(budget, key.length + 4);
    // A key like "__proto__" must stay a plain data key, never reach the prototype.
    Object.defineProperty(out, key, {
      value: decodeValue(fields[key], `${path}.${key}`, depth + 1, budget),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function decodeList(list: ListValue__Output, path: string, depth: number, budget: Budget): JsonValue[] {
  if (depth > budget.limits.maxDepth) {
    throw new InvalidRequestError(budget.root, `nested deeper than ${budget.limits.maxDepth} levels`);
  }
  const values = list.values ?? [];
  const out: JsonValue[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = decodeValue(values[i], `${path}[${i}]`, depth + 1, budget);
  return out;
}

function decodeValue(value: Value__Output | undefined, path: string, depth: number, budget: Budget): JsonValue {
  spend(budget, 2);
  switch (value?.kind) {
    case 'stringValue': {
      const text = value.stringValue ?? '';
      spend(budget, text.length);
      return text;
    }
    case 'numberValue': {
      const number = value.numberValue ?? 0;
      if (!Number.isFinite(number)) throw new InvalidRequestError(path, 'numbers must be finite (no NaN or Infinity)');
      spend(budget, 8);
      return number;
    }
    case 'boolValue':
      return value.boolValue === true;
    case 'nullValue':
      return null;
    case 'structValue':
      return decodeStruct(value.structValue ?? { fields: {} }, path, depth, budget);
    case 'listValue':
      return decodeList(value.listValue ?? { values: [] }, path, depth, budget);
    default:
      // proto3 JSON has no "unset" Value; treating it as null would invent data.
      throw new InvalidRequestError(path, 'value has no kind set');
  }
}

function spend(budget: Budget, chars: number): void {
  budget.chars += chars;
  if (budget.chars > budget.limits.maxChars) {
    throw new InvalidRequestError(budget.root, `larger than ${budget.limits.maxChars} characters of JSON`);
  }
}

/** Encodes JSON for a response (obligations). Non-finite numbers cannot occur in JsonValue from JSON. */
export function jsonToStruct(object: JsonObject): Struct {
  const fields: Record<string, Value> = {};
  for (const key of Object.keys(object)) fields[key] = jsonToValue(object[key]);
  return { fields };
}

function jsonToValue(value: JsonValue): Value {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'number':
      return { numberValue: value };
    case 'boolean':
      return { boolValue: value };
    default:
      if (Array.isArray(value)) return { listValue: jsonToList(value) };
      return { structValue: jsonToStruct(value) };
  }
}

function jsonToList(values: JsonValue[]): ListValue {
  return { values: values.map(jsonToValue) };
}
