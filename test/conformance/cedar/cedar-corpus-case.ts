import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LARGEST_EXACT_LONG } from '../../../engine/evaluation/cedar/cedar-long.ts';
import type { JsonObject, JsonValue } from '../../../engine/model/index.ts';
import { parseExactJson } from '../../../engine/evaluation/rego/exact-json.ts';

/** One test file of Cedar's integration corpus (hand-written or generated). */
export interface CorpusTest {
  /** Path of the test file relative to its corpus root, e.g. `tests/ip/1.json`. */
  file: string;
  policies: string;
  schema?: string;
  entitiesText?: string;
  shouldValidate: boolean;
  requests: CorpusRequest[];
}

export interface CorpusUid {
  type: string;
  id: string;
}

export interface CorpusRequest {
  description: string;
  principal: CorpusUid;
  action: CorpusUid;
  resource: CorpusUid;
  context: unknown;
  decision: 'allow' | 'deny';
  /** Cedar's determining policies (`policy0`, … in policy-set order). */
  reason: string[];
  /** Policies that raised an evaluation error. */
  errors: string[];
}

export function readCorpusTest(root: string, file: string): CorpusTest {
  const raw = JSON.parse(readFileSync(join(root, file), 'utf8')) as JsonObject;
  const text = (path: JsonValue | undefined) => (typeof path === 'string' ? readFileSync(join(root, path), 'utf8') : undefined);
  const requestsText = readFileSync(join(root, file), 'utf8');
  // Requests are read again with exact integers: a context Long past 2^53 must stay exact.
  const exact = parseExactJson(requestsText) as unknown as { requests: CorpusRequest[] };
  const test: CorpusTest = {
    file,
    policies: text(raw.policies) ?? '',
    shouldValidate: raw.shouldValidate !== false,
    requests: exact.requests,
  };
  const schema = text(raw.schema);
  if (schema !== undefined) test.schema = schema;
  const entitiesText = text(raw.entities);
  if (entitiesText !== undefined) test.entitiesText = entitiesText;
  return test;
}

/**
 * Why Gatehouse's answer to a corpus case differs from Cedar's, decided from the case alone
 * (before anything runs). Each class is listed and explained in exceptions.json and in
 * docs/cedar.md; every other case must agree exactly.
 */
export type ExceptionClass =
  | 'invalid-policies'
  | 'entity-long-beyond-exact'
  | 'namespaced-action'
  | 'empty-id'
  | 'control-characters'
  | 'action-name'
  | 'identifier-length'
  | 'request-long-beyond-exact'
  | 'unsupported-extension-form'
  | 'error-denies';

// The service's request rules (engine/server/parse-decide-request.ts), restated: the test
// classifies a case before sending it, and the server must then refuse it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the service refuses.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ACTION_NAME = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const MAX_ACTION = 128;
const MAX_TYPE = 128;
const MAX_ID = 512;
const REQUEST_EXTENSIONS = new Set(['ip', 'decimal', 'datetime', 'duration']);

/** Cedar allows although a policy errored: Gatehouse denies (its answer for such requests). */
export function errorDenies(request: CorpusRequest): boolean {
  return request.decision === 'allow' && request.errors.length > 0;
}

/** The class that applies to the whole test file (its bundle cannot be built), if any. */
export function testException(test: CorpusTest): ExceptionClass | undefined {
  if (test.entitiesText !== undefined && hasLongBeyondExact(parseExactJson(test.entitiesText))) return 'entity-long-beyond-exact';
  if (!test.shouldValidate) return 'invalid-policies';
  return undefined;
}

/** The class that applies to one request, if any (first match in the order of the checks). */
export function requestException(request: CorpusRequest): ExceptionClass | undefined {
  if (request.action.type !== 'Action') return 'namespaced-action';
  if (request.principal.id === '' || request.resource.id === '' || request.action.id === '') return 'empty-id';
  if ([request.principal.id, request.resource.id, request.action.id].some((id) => CONTROL.test(id))) return 'control-characters';
  if (!ACTION_NAME.test(request.action.id) || request.action.id.length > MAX_ACTION) return 'action-name';
  if ([request.principal.id, request.resource.id].some((id) => id.length > MAX_ID) || [request.principal.type, request.resource.type].some((type) => type.length > MAX_TYPE)) {
    return 'identifier-length';
  }
  if (hasLongBeyondExact(request.context, true)) return 'request-long-beyond-exact';
  if (hasUnsupportedExtension(request.context)) return 'unsupported-extension-form';
  if (errorDenies(request)) return 'error-denies';
  return undefined;
}

/**
 * The request's context as a Gatehouse caller writes it: Cedar's explicit entity references
 * (`{"__entity": {…}}`) become the plain `{"type", "id"}` form, which the schema types back
 * into a reference where it declares an entity (callers cannot send `__entity` themselves).
 */
export function gatehouseContext(context: unknown): JsonObject {
  return plainReferences(context) as JsonObject;
}

function plainReferences(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(plainReferences);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object' || value === null) return value as JsonValue;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 1 && typeof record.__entity === 'object' && record.__entity !== null) {
    const { type, id } = record.__entity as CorpusUid;
    return { type, id };
  }
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(record)) out[key] = plainReferences(child);
  return out;
}

/** An integer a JSON number (or, for entities.json, this Node.js) cannot carry to Cedar exactly. */
function hasLongBeyondExact(value: unknown, request = false): boolean {
  if (typeof value === 'bigint') return request || value > LARGEST_EXACT_LONG || value < -LARGEST_EXACT_LONG;
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.some((element) => hasLongBeyondExact(element, request));
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((child) => hasLongBeyondExact(child, request));
}

/** An `__extn` Gatehouse does not accept from callers: another function, or the multi-argument form. */
function hasUnsupportedExtension(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasUnsupportedExtension);
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if ('__extn' in record) {
    const extension = record.__extn as Record<string, unknown> | null;
    return !(extension && typeof extension.fn === 'string' && REQUEST_EXTENSIONS.has(extension.fn) && typeof extension.arg === 'string');
  }
  return Object.values(record).some(hasUnsupportedExtension);
}
