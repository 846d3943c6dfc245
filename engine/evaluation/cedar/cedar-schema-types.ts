import { schemaToJsonWithResolvedTypes } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarValueJson, EntityJson, SchemaJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';

/** A schema type as Cedar's JSON schema format writes it (after type-name resolution). */
interface SchemaType {
  type: string;
  name?: string;
  element?: SchemaType;
  attributes?: Record<string, SchemaType>;
}

/** Cedar's extension type names and the constructor its JSON form (`__extn`) names. */
const EXTENSION_CONSTRUCTORS: Readonly<Record<string, string>> = {
  ipaddr: 'ip',
  decimal: 'decimal',
  datetime: 'datetime',
  duration: 'duration',
};

/**
 * What a schema says about the shape of values, used to write entities and request data in
 * Cedar's schema-independent JSON form. With a schema, Cedar reads `{"type", "id"}` as an
 * entity reference where the schema declares an entity type, and `"10.0.0.1"` as an `ip`
 * where it declares `ipaddr`; without one it reads a record and a string. Gatehouse types
 * everything once with the schema (`{"__entity": …}`, `{"__extn": …}`), so validation at
 * build and evaluation per request see the same values, and Cedar needs no schema per call.
 */
export class CedarSchemaTypes {
  readonly #entityShapes = new Map<string, SchemaType | undefined>();
  readonly #entityTags = new Map<string, SchemaType>();
  readonly #commonTypes = new Map<string, SchemaType>();
  readonly #actionContexts = new Map<string, SchemaType | undefined>();
  readonly #actionEntities: EntityJson[] = [];

  /** `schemaText` must already have passed checkParseSchema; throws if it cannot be resolved. */
  constructor(schemaText: string) {
    const answer = schemaToJsonWithResolvedTypes(schemaText);
    if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
    this.#index(answer.json);
  }

  /** The actions the schema declares, as entities with their `memberOf` parents (Cedar adds these when it reads entities with a schema). */
  get actionEntities(): readonly EntityJson[] {
    return this.#actionEntities;
  }

  /** Attributes of an entity of `entityType`, written as Cedar reads them with the schema. */
  typeEntityAttributes(entityType: string, attrs: Record<string, CedarValueJson>): Record<string, CedarValueJson> {
    return this.#typeRecord(attrs, this.#entityShapes.get(entityType));
  }

  /** Tags of an entity of `entityType` (every tag has the schema's one tag type). */
  typeEntityTags(entityType: string, tags: Record<string, CedarValueJson>): Record<string, CedarValueJson> {
    const tagType = this.#entityTags.get(entityType);
    if (!tagType) return tags;
    const typed: Record<string, CedarValueJson> = {};
    for (const key of Object.keys(tags)) typed[key] = this.#typeValue(tags[key], tagType);
    return typed;
  }

  /** A request context, typed by the context the schema declares for `action`. */
  typeContext(action: TypeAndId, context: Record<string, CedarValueJson>): Record<string, CedarValueJson> {
    return this.#typeRecord(context, this.#actionContexts.get(`${action.type}::${action.id}`));
  }

  /** One entity of entities.json, typed by the schema (uid and parents are already references). */
  typeEntity(entity: EntityJson): EntityJson {
    const uid = '__entity' in entity.uid ? entity.uid.__entity : entity.uid;
    // Malformed parts are left as they are, for Cedar's own check to report.
    const typed: EntityJson = { ...entity };
    if (isRecord(entity.attrs)) typed.attrs = this.typeEntityAttributes(uid.type, entity.attrs);
    if (isRecord(entity.tags)) typed.tags = this.typeEntityTags(uid.type, entity.tags);
    return typed;
  }

  #typeRecord(record: Record<string, CedarValueJson>, type: SchemaType | undefined): Record<string, CedarValueJson> {
    const resolved = type ? this.#resolve(type) : undefined;
    if (!resolved || resolved.type !== 'Record' || !resolved.attributes) return record;
    const typed: Record<string, CedarValueJson> = {};
    for (const key of Object.keys(record)) {
      const attribute = resolved.attributes[key];
      typed[key] = attribute ? this.#typeValue(record[key], attribute) : record[key];
    }
    return typed;
  }

  #typeValue(value: CedarValueJson, type: SchemaType): CedarValueJson {
    const resolved = this.#resolve(type);
    switch (resolved.type) {
      case 'Entity': {
        const reference = bareReference(value);
        return reference ? { __entity: reference } : value;
      }
      case 'Extension': {
        const fn = resolved.name === undefined ? undefined : EXTENSION_CONSTRUCTORS[resolved.name];
        return fn !== undefined && typeof value === 'string' ? { __extn: { fn, arg: value } } : value;
      }
      case 'Set':
        return Array.isArray(value) && resolved.element ? value.map((element) => this.#typeValue(element, resolved.element!)) : value;
      case 'Record':
        return isRecord(value) ? this.#typeRecord(value, resolved) : value;
      default:
        return value;
    }
  }

  /** A type reference (`{"type": "MyCommonType"}`) replaced by its definition. */
  #resolve(type: SchemaType): SchemaType {
    let current = type;
    for (let depth = 0; depth < 64; depth++) {
      const next = this.#commonTypes.get(current.type);
      if (!next) break;
      current = next;
    }
    if (current.type === 'EntityOrCommon' && current.name !== undefined) {
      const common = this.#commonTypes.get(current.name);
      if (common) return this.#resolve(common);
      if (Object.hasOwn(EXTENSION_CONSTRUCTORS, builtinName(current.name))) return { type: 'Extension', name: builtinName(current.name) };
      return { type: 'Entity', name: current.name };
    }
    // Resolved schemas name extension types directly: {"type": "ipaddr"} or {"type": "__cedar::decimal"}.
    if (Object.hasOwn(EXTENSION_CONSTRUCTORS, builtinName(current.type))) return { type: 'Extension', name: builtinName(current.type) };
    return current;
  }

  #index(json: SchemaJson<string>): void {
    for (const [namespace, definition] of Object.entries(json)) {
      const qualify = (name: string) => (namespace && !name.includes('::') ? `${namespace}::${name}` : name);
      for (const [name, common] of Object.entries(definition.commonTypes ?? {})) {
        const type = common as unknown as SchemaType;
        this.#commonTypes.set(qualify(name), type);
        // Inside its namespace a common type is also named without the prefix.
        if (!this.#commonTypes.has(name)) this.#commonTypes.set(name, type);
      }
      for (const [name, entityType] of Object.entries(definition.entityTypes)) {
        const kind = entityType as { shape?: unknown; tags?: unknown };
        this.#entityShapes.set(qualify(name), kind.shape as SchemaType | undefined);
        if (kind.tags) this.#entityTags.set(qualify(name), kind.tags as SchemaType);
      }
      const actionType = qualify('Action');
      for (const [id, action] of Object.entries(definition.actions)) {
        this.#actionContexts.set(`${actionType}::${id}`, action.appliesTo?.context as SchemaType | undefined);
        const parents = (action.memberOf ?? []).map((parent) => ({ type: parent.type ? qualify(parent.type) : actionType, id: parent.id }));
        this.#actionEntities.push({ uid: { type: actionType, id }, attrs: {}, parents });
      }
    }
  }
}

/** `__cedar::decimal` → `decimal` (Cedar's built-in types may be written with that prefix). */
function builtinName(name: string): string {
  return name.startsWith('__cedar::') ? name.slice('__cedar::'.length) : name;
}

function isRecord(value: CedarValueJson | undefined): value is Record<string, CedarValueJson> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"type": "User", "id": "alice"}`, which Cedar reads as a reference where the schema says entity. */
function bareReference(value: CedarValueJson): TypeAndId | undefined {
  if (!isRecord(value) || Object.keys(value).length !== 2) return undefined;
  const { type, id } = value as Record<string, CedarValueJson>;
  return typeof type === 'string' && typeof id === 'string' ? { type, id } : undefined;
}
