import type { JsonObject, JsonValue } from '../../engine/model/index.ts';
import type { Struct, Struct__Output } from '../../proto/generated/google/protobuf/Struct.ts';
import type { Value, Value__Output } from '../../proto/generated/google/protobuf/Value.ts';

/** JSON ⇄ google.protobuf.Struct for the data plane's side of the wire. */
export function jsonToStruct(object: JsonObject): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = jsonToValue(value);
  return { fields };
}

function jsonToValue(value: JsonValue): Value {
  if (value === null) return { nullValue: 'NULL_VALUE', kind: 'nullValue' };
  if (typeof value === 'string') return { stringValue: value, kind: 'stringValue' };
  if (typeof value === 'number') return { numberValue: value, kind: 'numberValue' };
  if (typeof value === 'boolean') return { boolValue: value, kind: 'boolValue' };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) }, kind: 'listValue' };
  return { structValue: jsonToStruct(value), kind: 'structValue' };
}

/** Decodes a Struct the service sent; anything malformed becomes undefined for the caller to refuse. */
export function structToJson(struct: Struct__Output | null | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) {
    Object.defineProperty(out, key, { value: valueToJson(value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function valueToJson(value: Value__Output): JsonValue {
  switch (value.kind) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'boolValue':
      return value.boolValue ?? false;
    case 'listValue':
      return (value.listValue?.values ?? []).map(valueToJson);
    case 'structValue':
      return structToJson(value.structValue);
    default:
      return null;
  }
}
