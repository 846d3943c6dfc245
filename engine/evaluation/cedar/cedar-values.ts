import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import { GatehouseError } from '../../model/index.ts';
import { cedarLong } from './cedar-long.ts';

/**
 * Record keys Cedar's JSON format reads as escapes (`{"__entity": …}` is an entity reference,
 * `{"__extn": …}` an extension value). Request data comes from callers and computed facts:
 * `__entity` and `__expr` are dropped (a caller must not forge an entity reference), and
 * `__extn` is kept only in the exact form of an extension value (see extensionValue).
 */
const ESCAPE_KEYS = new Set(['__entity', '__extn', '__expr']);

/**
 * Extension constructors a request may use in Cedar's JSON form, `{"__extn": {"fn": "ip",
 * "arg": "10.0.0.1"}}`: Cedar users compare `context.source.isInRange(ip("10.0.0.0/8"))` or
 * `context.amount.lessThan(decimal("1.5"))`. An argument Cedar does not accept (`ip("x")`)
 * makes Cedar refuse the whole request, which denies.
 */
const REQUEST_EXTENSIONS = new Set(['ip', 'decimal', 'datetime', 'duration']);

/** A request value Cedar cannot receive exactly (an integer past 2^53): the request is denied. */
export class CedarValueError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_CEDAR_VALUE', message);
    this.name = 'CedarValueError';
  }
}

/**
 * The Cedar view of a request value: objects become records, arrays become sets, and values
 * Cedar cannot hold are left out (null; fractional numbers). An integer beyond ±(2^53−1)
 * throws CedarValueError: as a JSON number it is no longer exact, and dropping it could
 * change an answer. A dropped array element is omitted from the set, a dropped record field
 * is absent (`has` is false). Returns undefined when the value itself is dropped. `path`
 * names the value in errors (`context.amount`).
 */
export function toCedarValue(value: unknown, path = 'value'): CedarValueJson | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number': {
      if (!Number.isInteger(value)) return undefined;
      const long = cedarLong(value, path);
      if (!long.ok) throw new CedarValueError(long.error);
      return long.value;
    }
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const set: CedarValueJson[] = [];
        for (const [index, element] of value.entries()) {
          const converted = toCedarValue(element, `${path}[${index}]`);
          if (converted !== undefined) set.push(converted);
        }
        return set;
      }
      return extensionValue(value as Record<string, unknown>) ?? toCedarRecord(value as Record<string, unknown>, path);
    }
    default:
      return undefined;
  }
}

/** A record of the convertible fields of `object` (see toCedarValue). */
export function toCedarRecord(object: Readonly<Record<string, unknown>> | undefined, path = 'value'): Record<string, CedarValueJson> {
  const record: Record<string, CedarValueJson> = {};
  if (!object) return record;
  for (const key of Object.keys(object)) {
    if (ESCAPE_KEYS.has(key)) continue;
    const converted = toCedarValue(object[key], `${path}.${key}`);
    if (converted !== undefined) record[key] = converted;
  }
  return record;
}

/** `{"__extn": {"fn": "<ip|decimal|datetime|duration>", "arg": "<string>"}}` and nothing else, or undefined. */
function extensionValue(object: Record<string, unknown>): CedarValueJson | undefined {
  const extension = object.__extn;
  if (typeof extension !== 'object' || extension === null || Object.keys(object).length !== 1) return undefined;
  const { fn, arg } = extension as Record<string, unknown>;
  if (typeof fn !== 'string' || !REQUEST_EXTENSIONS.has(fn) || typeof arg !== 'string' || Object.keys(extension).length !== 2) return undefined;
  return { __extn: { fn, arg } };
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
