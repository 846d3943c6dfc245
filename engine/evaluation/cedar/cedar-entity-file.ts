import { checkParseEntities } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarValueJson, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import { parseExactJson } from '../rego/exact-json.ts';
import { diagnosticsFromCedarErrors } from './cedar-diagnostics.ts';
import { uidKey } from './cedar-entities.ts';
import { cedarLong } from './cedar-long.ts';
import type { CedarDiagnostic } from './cedar-policy-error.ts';
import type { CedarSchemaTypes } from './cedar-schema-types.ts';

export type CedarEntityFileResult = { entities: EntityJson[]; diagnostics: [] } | { entities: undefined; diagnostics: CedarDiagnostic[] };

/**
 * Reads `entities.json` once into the entity list both validation and evaluation use:
 * - integers are parsed exactly (a Long such as 9223372036854775807 is not rounded through a
 *   double); one Cedar cannot receive is refused naming the entity, attribute, value and limit;
 * - with a schema, values are written as Cedar reads them with that schema (entity references
 *   and extension values made explicit), and the schema's actions are added as entities (with
 *   their `memberOf` groups), so Cedar answers the same without the schema at request time;
 * - the result is checked by Cedar (with the schema when there is one).
 * `source` is the file's text, or an already parsed value (tests, embedders).
 */
export function readCedarEntityFile(source: unknown, file: string, schema: { types: CedarSchemaTypes; text: string } | undefined): CedarEntityFileResult {
  let value: unknown = source;
  if (typeof source === 'string') {
    try {
      value = parseExactJson(source);
    } catch (error) {
      return failed([{ file, message: `invalid JSON: ${(error as Error).message}` }]);
    }
  }
  if (!Array.isArray(value)) {
    return failed([{ file, message: 'Cedar entities must be a JSON array of {"uid", "attrs", "parents"} objects' }]);
  }
  const problems: CedarDiagnostic[] = [];
  const entities: EntityJson[] = [];
  for (const [index, raw] of value.entries()) {
    if (!isObject(raw) || !isObject(raw.uid)) {
      problems.push({ file, message: `entity ${index}: must be an object with a "uid" of {"type", "id"}` });
      continue;
    }
    let entity = raw as unknown as EntityJson;
    if (schema) entity = schema.types.typeEntity(entity);
    const name = entityName(entity.uid, index);
    const attrs = exactLongs(entity.attrs, `entity ${name} attribute`, problems, file);
    const tags = entity.tags === undefined ? undefined : exactLongs(entity.tags, `entity ${name} tag`, problems, file);
    const exact: EntityJson = { ...entity };
    if (attrs !== undefined) exact.attrs = attrs as Record<string, CedarValueJson>;
    if (tags !== undefined) exact.tags = tags as Record<string, CedarValueJson>;
    entities.push(exact);
  }
  if (problems.length > 0) return failed(problems);

  if (schema) {
    const present = new Set(entities.map((e) => uidKey(e.uid)));
    for (const action of schema.types.actionEntities) if (!present.has(uidKey(action.uid))) entities.push(action);
  }
  const check = checkParseEntities(schema ? { entities, schema: schema.text } : { entities });
  if (check.type === 'failure') return failed(diagnosticsFromCedarErrors(check.errors, { file }));
  return { entities, diagnostics: [] };
}

function failed(diagnostics: CedarDiagnostic[]): CedarEntityFileResult {
  return { entities: undefined, diagnostics };
}

/** Every integer replaced by its Cedar form; values that cannot reach Cedar exactly are reported. */
function exactLongs(value: unknown, where: string, problems: CedarDiagnostic[], file: string, path = ''): unknown {
  if (typeof value === 'bigint' || typeof value === 'number') {
    const long = cedarLong(value, `${where} ${path || '(value)'}`);
    if (long.ok) return long.value;
    problems.push({ file, message: long.error });
    return 0;
  }
  if (Array.isArray(value)) return value.map((element, i) => exactLongs(element, where, problems, file, `${path || '(value)'}[${i}]`));
  if (!isObject(value)) return value;
  // Extension arguments and entity references hold no Longs worth a path; still walk them.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = exactLongs(value[key], where, problems, file, path ? `${path}.${pathKey(key)}` : pathKey(key));
  return out;
}

/** An attribute name as written in a message: quoted unless a plain identifier (names may hold anything). */
function pathKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
}

function entityName(uid: EntityJson['uid'], index: number): string {
  const { type, id } = ('__entity' in uid ? uid.__entity : uid) as Partial<TypeAndId>;
  return typeof type === 'string' && typeof id === 'string' ? `${/^[A-Za-z_][A-Za-z0-9_:]*$/.test(type) ? type : JSON.stringify(type)}::${JSON.stringify(id)}` : `#${index}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
