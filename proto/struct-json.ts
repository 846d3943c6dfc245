import { GatehouseError, type JsonObject, type JsonValue } from '../engine/model/index.ts';
import type { ListValue__Output } from './generated/google/protobuf/ListValue.ts';
import type { Struct, Struct__Output } from './generated/google/protobuf/Struct.ts';
import type { Value, Value__Output } from './generated/google/protobuf/Value.ts';

/**
 * google.protobuf.Struct / Value ⇄ JSON, the one codec both sides of the wire use (the decision
 * service decoding a request's free-form parts, a data plane decoding obligations, the CLI
 * decoding token constraints). Decoding validates as it goes, so what comes out is plain, finite,
 * bounded JSON, and a refusal names the offending path (`context.sql.text`,
 * `resource.attributes.tags[2]`). Encoding refuses what the proto3 JSON mapping cannot carry
 * (NaN, ±Infinity), so nothing is sent that the other side would have to guess about.
 *
 * Numbers are IEEE doubles on both sides: an integer beyond 2^53 travels as the double nearest
 * to it, exactly as JSON.parse produced it; -0 stays -0.
 */

export interface StructLimits {
  /** Nesting levels below the Struct itself. */
  maxDepth: number;
  /** Rough JSON size budget: key and string lengths plus a few characters per value. */
  maxChars: number;
}

export const DEFAULT_STRUCT_LIMITS: StructLimits = { maxDepth: 32, maxChars: 1024 * 1024 };

/** A Struct or Value the codec refuses: `field` is the path of the offending value. */
export class StructJsonError extends GatehouseError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super('GATEHOUSE_INVALID_REQUEST', field ? `${field}: ${problem}` : problem);
    this.name = 'StructJsonError';
  }
}

interface Budget {
  chars: number;
  readonly limits: StructLimits;
  readonly root: string;
}

/**
 * Decodes a Struct; null/absent is `{}`. `field` names the Struct in refusals (`context`);
 * throws StructJsonError.
 */
export function structToJson(
  struct: Struct__Output | null | undefined,
  field = '',
  limits: StructLimits = DEFAULT_STRUCT_LIMITS,
): JsonObject {
  if (struct === null || struct === undefined) return {};
  return decodeStruct(struct, field, 0, { chars: 0, limits, root: field });
}

/** Decodes one Value; `field` names it in refusals. Throws StructJsonError. */
export function valueToJson(
  value: Value__Output | null | undefined,
  field = '',
  limits: StructLimits = DEFAULT_STRUCT_LIMITS,
): JsonValue {
  return decodeValue(value ?? undefined, field, 0, { chars: 0, limits, root: field });
}

/** Encodes a JSON object as a Struct. Throws StructJsonError on a value JSON cannot hold. */
export function jsonToStruct(object: JsonObject, field = ''): Struct {
  return encodeStruct(object, field);
}

/** Encodes one JSON value. Throws StructJsonError on a value JSON cannot hold. */
export function jsonToValue(value: JsonValue, field = ''): Value {
  return encodeValue(value, field);
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function decodeStruct(struct: Struct__Output, path: string, depth: number, budget: Budget): JsonObject {
  if (depth > budget.limits.maxDepth) {
    throw new StructJsonError(budget.root, `nested deeper than ${budget.limits.maxDepth} levels`);
  }
  const out: JsonObject = {};
  const fields = struct.fields ?? {};
  for (const key of Object.keys(fields)) {
    spend(budget, key.length + 4);
    // A key like "__proto__" must stay a plain data key, never reach the prototype.
    Object.defineProperty(out, key, {
      value: decodeValue(fields[key], child(path, key), depth + 1, budget),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function decodeList(list: ListValue__Output, path: string, depth: number, budget: Budget): JsonValue[] {
  if (depth > budget.limits.maxDepth) {
    throw new StructJsonError(budget.root, `nested deeper than ${budget.limits.maxDepth} levels`);
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
      if (!Number.isFinite(number)) throw new StructJsonError(path, 'numbers must be finite (no NaN or Infinity)');
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
      throw new StructJsonError(path, 'value has no kind set');
  }
}

function spend(budget: Budget, chars: number): void {
  budget.chars += chars;
  if (budget.chars > budget.limits.maxChars) {
    throw new StructJsonError(budget.root, `larger than ${budget.limits.maxChars} characters of JSON`);
  }
}

function encodeStruct(object: JsonObject, path: string): Struct {
  // Without a prototype, a "__proto__" key (JSON.parse makes it an own key) is a plain entry.
  const fields: Record<string, Value> = Object.create(null);
  for (const key of Object.keys(object)) fields[key] = encodeValue(object[key]!, child(path, key));
  return { fields };
}

function encodeValue(value: JsonValue, path: string): Value {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'number':
      if (!Number.isFinite(value)) throw new StructJsonError(path, 'numbers must be finite (no NaN or Infinity)');
      return { numberValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object': {
      if (Array.isArray(value)) {
        const values: Value[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) values[i] = encodeValue(value[i]!, `${path}[${i}]`);
        return { listValue: { values } };
      }
      return { structValue: encodeStruct(value, path) };
    }
    default:
      // Reachable only by a caller that bypassed the types (a bigint, undefined, a function).
      throw new StructJsonError(path, `${typeof value} is not a JSON value`);
  }
}
