import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../engine/model/index.ts';
import type { Struct__Output } from '../../proto/generated/google/protobuf/Struct.ts';
import { loadGatehouseProtos } from '../../proto/gatehouse-protos.ts';
import { jsonToStruct, jsonToValue, structToJson, StructJsonError, valueToJson } from '../../proto/struct-json.ts';

// Round trips go through real protobuf encoding, as on the wire (context of a DecideRequest).
const decide = loadGatehouseProtos().services.DecisionService.service.Decide;

function wire(object: JsonObject): Struct__Output {
  const bytes = decide.requestSerialize({ context: jsonToStruct(object) });
  return decide.requestDeserialize(bytes).context ?? { fields: {} };
}

function wireValue(value: JsonValue): JsonValue {
  return structToJson(wire({ v: value })).v!;
}

describe('Struct ⇄ JSON', () => {
  it('nested objects, lists, strings, numbers, booleans and null survive a protobuf round trip', () => {
    const value: JsonObject = { sql: { text: 'SELECT 1', tags: ['a', 2, true, null, { deep: [[]] }] }, n: -1.5, empty: {} };
    expect(structToJson(wire(value), 'context')).toEqual(value);
  });

  it('lists nested in lists keep their shape and order, empty ones included', () => {
    const value: JsonValue = [[1, [2, [3, []]]], [], [null, [null]], [{ a: [[{}]] }]];
    expect(wireValue(value)).toEqual(value);
  });

  it('null is a value of its own, in a Struct and in a list, and stays distinct from an absent key', () => {
    const decoded = structToJson(wire({ a: null, b: [null] }));
    expect(decoded).toEqual({ a: null, b: [null] });
    expect(Object.keys(decoded)).toEqual(['a', 'b']);
  });

  it('-0 stays -0 through the wire', () => {
    expect(Object.is(wireValue(-0), -0)).toBe(true);
    expect(Object.is(wireValue(0), 0)).toBe(true);
  });

  it('integers beyond 2^53 travel as the double JSON.parse made of them, unchanged', () => {
    const parsed = JSON.parse('{"big": 9007199254740993, "huge": 18446744073709551615, "max": 9007199254740991}') as JsonObject;
    const decoded = structToJson(wire(parsed));
    expect(decoded).toEqual({ big: 9007199254740992, huge: 18446744073709552000, max: Number.MAX_SAFE_INTEGER });
    expect(JSON.stringify(decoded)).toBe('{"big":9007199254740992,"huge":18446744073709552000,"max":9007199254740991}');
  });

  it('an absent Struct decodes as an empty object', () => {
    expect(structToJson(null, 'context')).toEqual({});
    expect(structToJson(undefined)).toEqual({});
  });

  it('a __proto__ key stays a plain data key both ways and does not touch the prototype', () => {
    const decoded = structToJson({ fields: { ['__proto__']: { kind: 'stringValue', stringValue: 'x' } } }, 'context');
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as JsonObject;
    const roundTrip = structToJson(wire(parsed));
    expect(Object.keys(roundTrip)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(roundTrip, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('NaN and ±Infinity are refused when decoding, with the path of the value', () => {
    const struct: Struct__Output = { fields: { a: { kind: 'listValue', listValue: { values: [{ kind: 'numberValue', numberValue: Number.NaN }] } } } };
    expect(() => structToJson(struct, 'context')).toThrow(new StructJsonError('context.a[0]', 'numbers must be finite (no NaN or Infinity)'));
    expect(() => valueToJson({ kind: 'numberValue', numberValue: Number.NEGATIVE_INFINITY }, 'x')).toThrow(/^x: numbers must be finite/);
  });

  it('NaN and ±Infinity are refused when encoding, so they are never sent', () => {
    expect(() => jsonToStruct({ a: { b: [1, Number.POSITIVE_INFINITY] } }, 'context')).toThrow(
      new StructJsonError('context.a.b[1]', 'numbers must be finite (no NaN or Infinity)'),
    );
    expect(() => jsonToValue(Number.NaN)).toThrow(/numbers must be finite/);
  });

  it('a value that is not JSON (a bigint passed around the types) is refused, not coerced', () => {
    const sneaky = { n: 10n } as unknown as JsonObject;
    expect(() => jsonToStruct(sneaky, 'context')).toThrow(new StructJsonError('context.n', 'bigint is not a JSON value'));
  });

  it('a Value with no kind set is refused rather than read as null', () => {
    expect(() => structToJson({ fields: { a: {} } }, 'claims')).toThrow(new StructJsonError('claims.a', 'value has no kind set'));
  });

  it('single values round-trip through jsonToValue and valueToJson', () => {
    const serialize = decide.requestSerialize;
    for (const value of ['x', 1.25, false, null, [1, 'a'], { k: { l: [true] } }] as JsonValue[]) {
      const bytes = serialize({ context: { fields: { v: jsonToValue(value) } } });
      expect(valueToJson(decide.requestDeserialize(bytes).context?.fields.v)).toEqual(value);
    }
  });

  it('nesting deeper than the limit is refused naming the field', () => {
    let value: JsonObject = {};
    for (let i = 0; i < 40; i++) value = { x: value };
    expect(() => structToJson(wire(value), 'context')).toThrow(/^context: nested deeper than 32 levels$/);
  });

  it('a Struct larger than the size budget is refused naming the field', () => {
    const value = { big: 'x'.repeat(2000) };
    expect(() => structToJson(wire(value), 'resource.attributes', { maxDepth: 4, maxChars: 1000 })).toThrow(/^resource\.attributes: larger than 1000/);
  });
});
