import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Record keys Cedar's JSON format reads as escapes (`{"__entity": …}` is an entity reference,
 * `{"__extn": …}` an extension value). Request data comes from callers and computed facts, so
 * these keys are dropped: a caller must not be able to forge an entity reference or an
 * extension value inside `context` or resource attributes.
 */
const ESCAPE_KEYS = new Set(['__entity', '__extn', '__expr']);

/**
 * The Cedar view of a request value: objects become records, arrays become sets, and values
 * Cedar cannot hold are left out (null; fractional numbers; integers outside ±(2^53−1), which
 * JSON numbers in JavaScript cannot carry exactly and cedar-wasm refuses). A dropped array
 * element is omitted from the set, a dropped record field is absent (`has` is false).
 * Returns undefined when the value itself is dropped.
 */
export function toCedarValue(value: unknown): CedarValueJson | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? value : undefined;
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const set: CedarValueJson[] = [];
        for (const element of value) {
          const converted = toCedarValue(element);
          if (converted !== undefined) set.push(converted);
        }
        return set;
      }
      return toCedarRecord(value as Record<string, unknown>);
    }
    default:
      return undefined;
  }
}

/** A record of the convertible fields of `object` (see toCedarValue). */
export function toCedarRecord(object: Readonly<Record<string, unknown>> | undefined): Record<string, CedarValueJson> {
  const record: Record<string, CedarValueJson> = {};
  if (!object) return record;
  for (const key of Object.keys(object)) {
    if (ESCAPE_KEYS.has(key)) continue;
    const converted = toCedarValue(object[key]);
    if (converted !== undefined) record[key] = converted;
  }
  return record;
}

/**
 * The request instant as a Cedar `datetime` extension value. Cedar's datetime accepts only
 * `YYYY-MM-DDTHH:MM:SS.SSSZ`-like forms (no `+01:00` offsets), so the RFC 3339 input is
 * normalised to UTC with millisecond precision. Throws on a time that does not parse.
 */
export function cedarDatetime(rfc3339: string): CedarValueJson {
  const millis = Date.parse(rfc3339);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(rfc3339) || Number.isNaN(millis)) {
    throw new Error(`request time ${JSON.stringify(rfc3339)} is not an RFC 3339 instant`);
  }
  return { __extn: { fn: 'datetime', arg: new Date(millis).toISOString() } };
}
