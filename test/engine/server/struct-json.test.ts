import { describe, expect, it } from 'vitest';
import type { Struct__Output } from '../../../proto/generated/google/protobuf/Struct.ts';
import { loadGatehouseProtos } from '../../../proto/gatehouse-protos.ts';
import { InvalidRequestError } from '../../../engine/decision/request-errors.ts';
import { jsonToStruct, structToJson } from '../../../engine/server/struct-json.ts';
import type { JsonObject } from '../../../engine/model/index.ts';

// Round trips go through real protobuf encoding, as on the wire (context of a DecideRequest).
const decide = loadGatehouseProtos().decision.gatehouse.v1.DecisionService.service.Decide;

function wire(object: JsonObject): Struct__Output {
  const bytes = decide.requestSerialize({ context: jsonToStruct(object) });
  return decide.requestDeserialize(bytes).context ?? { fields: {} };
}

describe('Struct ⇄ JSON', () => {
  it('nested objects, lists, strings, numbers, booleans and null survive a protobuf round trip', () => {
    const value: JsonObject = { sql: { text: 'SELECT 1', tags: ['a', 2, true, null, { deep: [[]] }] }, n: -1.5, empty: {} };
    expect(structToJson(wire(value), 'context')).toEqual(value);
  });

  it('an absent Struct decodes as an empty object', () => {
    expect(structToJson(null, 'context')).toEqual({});
  });

  it('a __proto__ key stays a plain data key and does not touch the prototype', () => {
    const decoded = structToJson({ fields: { ['__proto__']: { kind: 'stringValue', stringValue: 'x' } } }, 'context');
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
  });

  it('NaN is refused with the path of the value', () => {
    const struct: Struct__Output = { fields: { a: { kind: 'listValue', listValue: { values: [{ kind: 'numberValue', numberValue: Number.NaN }] } } } };
    expect(() => structToJson(struct, 'context')).toThrow(new InvalidRequestError('context.a[0]', 'numbers must be finite (no NaN or Infinity)'));
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
