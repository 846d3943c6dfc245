import type { EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import { mergeEntity, uidKey } from './cedar-entities.ts';
import type { PolicyReferences } from './cedar-policy-references.ts';

/**
 * The static entities of a bundle, cut per request to what the policies can reach (see
 * PolicyReferences): attributes no policy names are dropped once, at preparation, and each
 * request gets only the entities reachable from its principal, groups, resource and action
 * and from the policies' entity literals, following parents, attribute and tag references.
 * Cedar's answer is the same as with every entity; it just parses far less per call.
 */
export class CedarScopedEntities {
  readonly #byKey = new Map<string, EntityJson>();
  readonly #edges = new Map<string, readonly string[]>();
  readonly #literalKeys: readonly string[];
  readonly #attributes: ReadonlySet<string> | undefined;

  constructor(list: readonly EntityJson[], references: PolicyReferences) {
    this.#attributes = references.attributes;
    const kept = list.map((entity) => this.#pruned(entity));
    for (const entity of kept) {
      const key = uidKey(entity.uid);
      this.#byKey.set(key, entity);
      this.#edges.set(key, referencedKeys(entity));
    }
    this.#literalKeys = references.entityLiterals.map(uidKey);
  }

  /** False when no policy names attribute `name` (it cannot affect Cedar). */
  usesAttribute(name: string): boolean {
    return !this.#attributes || this.#attributes.has(name);
  }

  /** Request attributes restricted to the names policies use (the rest cannot affect Cedar). */
  attributes<T>(record: Readonly<Record<string, T>>): Record<string, T> {
    const names = this.#attributes;
    if (!names) return { ...record };
    const kept: Record<string, T> = {};
    for (const key of Object.keys(record)) if (names.has(key)) kept[key] = record[key];
    return kept;
  }

  /** Same merge as CedarEntityStore.withRequestEntities, restricted to what is reachable. */
  withRequestEntities(additions: readonly EntityJson[], ensure: readonly TypeAndId[], action: TypeAndId): EntityJson[] {
    const merged = new Map<string, EntityJson>();
    for (const uid of ensure) {
      const key = uidKey(uid);
      if (!this.#byKey.has(key) && !merged.has(key)) merged.set(key, { uid, attrs: {}, parents: [] });
    }
    for (const addition of additions) {
      const key = uidKey(addition.uid);
      const base = merged.get(key) ?? this.#byKey.get(key);
      merged.set(key, base ? mergeEntity(base, addition) : addition);
    }
    const result: EntityJson[] = [];
    const seen = new Set<string>();
    const pending = [uidKey(action), ...merged.keys(), ...this.#literalKeys];
    while (pending.length > 0) {
      const key = pending.pop()!;
      if (seen.has(key)) continue;
      seen.add(key);
      const own = merged.get(key);
      const entity = own ?? this.#byKey.get(key);
      if (!entity) continue;
      result.push(entity);
      for (const next of own ? referencedKeys(own) : (this.#edges.get(key) ?? [])) if (!seen.has(next)) pending.push(next);
    }
    return result;
  }

  #pruned(entity: EntityJson): EntityJson {
    if (!this.#attributes || !entity.attrs) return entity;
    const copy: EntityJson = { ...entity, attrs: this.attributes(entity.attrs) };
    return copy;
  }
}

/** Keys of the entities one entity leads to: its parents and entity references in attributes and tags. */
function referencedKeys(entity: EntityJson): string[] {
  const keys = (entity.parents ?? []).map(uidKey);
  collectReferences(entity.attrs, keys);
  collectReferences(entity.tags, keys);
  return keys;
}

function collectReferences(value: unknown, keys: string[]): void {
  if (Array.isArray(value)) {
    for (const element of value) collectReferences(element, keys);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  const ref = record.__entity;
  if (typeof ref === 'object' && ref !== null && typeof (ref as TypeAndId).type === 'string' && typeof (ref as TypeAndId).id === 'string') {
    keys.push(uidKey(ref as TypeAndId));
  }
  // Schema-less entity JSON could also spell a reference as a bare {type, id}: keep it too.
  if (typeof record.type === 'string' && typeof record.id === 'string') keys.push(uidKey(record as unknown as TypeAndId));
  for (const child of Object.values(record)) collectReferences(child, keys);
}
