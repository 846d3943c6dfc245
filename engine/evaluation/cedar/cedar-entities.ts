import type { CedarValueJson, EntityJson, EntityUidJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * The static entities of a bundle (`entities.json`), indexed by uid so each request can
 * merge its principal, resource and groups into them without copying the whole set.
 */
export class CedarEntityStore {
  private readonly byKey = new Map<string, EntityJson>();

  /** `entities` must already have passed Cedar's checkParseEntities. */
  constructor(readonly list: readonly EntityJson[]) {
    for (const entity of list) this.byKey.set(uidKey(entity.uid), entity);
  }

  /**
   * The entity set for one request: the static entities, with `additions` merged in. An
   * addition naming a static uid unions the parents and overlays the attributes (request
   * attributes win); a new uid is appended. Groups (`ensure`) are added only when absent.
   */
  withRequestEntities(additions: readonly EntityJson[], ensure: readonly TypeAndId[]): EntityJson[] {
    const merged = new Map<string, EntityJson>();
    for (const uid of ensure) {
      const key = uidKey(uid);
      if (!this.byKey.has(key) && !merged.has(key)) merged.set(key, { uid, attrs: {}, parents: [] });
    }
    for (const addition of additions) {
      const key = uidKey(addition.uid);
      const base = merged.get(key) ?? this.byKey.get(key);
      merged.set(key, base ? mergeEntity(base, addition) : addition);
    }
    if (merged.size === 0) return this.list.slice();
    const result: EntityJson[] = [];
    for (const entity of this.list) {
      const key = uidKey(entity.uid);
      const replacement = merged.get(key);
      if (replacement) {
        merged.delete(key);
        result.push(replacement);
      } else {
        result.push(entity);
      }
    }
    for (const entity of merged.values()) result.push(entity);
    return result;
  }
}

export function uidKey(uid: EntityUidJson): string {
  const { type, id } = '__entity' in uid ? uid.__entity : uid;
  return `${type}\u0000${id}`;
}

/** An addition merged over a static entity: parents unioned, request attributes win. */
export function mergeEntity(base: EntityJson, addition: EntityJson): EntityJson {
  const attrs: Record<string, CedarValueJson> = { ...(base.attrs ?? {}), ...addition.attrs };
  const parents = [...(base.parents ?? [])];
  const seen = new Set(parents.map(uidKey));
  for (const parent of addition.parents) {
    const key = uidKey(parent);
    if (!seen.has(key)) {
      seen.add(key);
      parents.push(parent);
    }
  }
  const entity: EntityJson = { uid: base.uid, attrs, parents };
  if (base.tags) entity.tags = base.tags;
  return entity;
}
