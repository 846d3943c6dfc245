import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * What a policy set can observe of a request, read from Cedar's JSON form of each policy. It
 * lets the evaluator send Cedar only that part: cedar-wasm re-parses the context and every
 * entity on each call (there is no way to cache entities), which is most of its cost.
 *
 * Exact, not heuristic: in Cedar an entity's attributes are reachable only through `.attr` and
 * `has attr`, the context only through `context.attr`, `context has attr` or `context` itself,
 * and an entity only through the request variables, a literal `Type::"id"`, or another
 * reachable entity's attributes, tags and parents. Anything the walk does not recognise makes
 * the analysis keep everything (`undefined`).
 */
export interface PolicyReferences {
  /** Top-level context keys the policies read; undefined = the whole context. */
  contextKeys: ReadonlySet<string> | undefined;
  /** Every attribute name used with `.` or `has` anywhere; undefined = keep all attributes. */
  attributes: ReadonlySet<string> | undefined;
  /** Entity literals (`Type::"id"`) in the policies, in scopes and conditions. */
  entityLiterals: readonly TypeAndId[];
}

const KEEP_EVERYTHING: PolicyReferences = { contextKeys: undefined, attributes: undefined, entityLiterals: [] };

/** Reads the references of static policies (texts already validated by Cedar). */
export function policyReferences(policyTexts: readonly string[]): PolicyReferences {
  const walk = new ReferenceWalk();
  for (const text of policyTexts) {
    const answer = policyToJson(text);
    // Cannot happen for validated policies; if it does, pruning nothing is always correct.
    if (answer.type === 'failure') return KEEP_EVERYTHING;
    walk.visit(answer.json);
  }
  return {
    contextKeys: walk.wholeContext ? undefined : walk.contextKeys,
    attributes: walk.attributes,
    entityLiterals: [...walk.literals.values()],
  };
}

class ReferenceWalk {
  readonly contextKeys = new Set<string>();
  readonly attributes = new Set<string>();
  readonly literals = new Map<string, TypeAndId>();
  wholeContext = false;

  visit(node: unknown): void {
    if (Array.isArray(node)) {
      for (const element of node) this.visit(element);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    // Any `context` not directly under `.`/`has` (e.g. `context == {…}`) sees the whole record.
    if (record.Var === 'context') this.wholeContext = true;
    this.#literal(record);
    for (const [key, value] of Object.entries(record)) {
      if ((key === '.' || key === 'has') && this.#access(value)) continue;
      this.visit(value);
    }
  }

  /** `{left, attr}` of `.`/`has`; `has a.b` carries attr as a list. False when not that shape. */
  #access(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const { left, attr } = value as { left?: unknown; attr?: unknown };
    const names = typeof attr === 'string' ? [attr] : Array.isArray(attr) && attr.every((a) => typeof a === 'string') ? (attr as string[]) : undefined;
    if (!names || names.length === 0 || left === undefined) return false;
    for (const name of names) this.attributes.add(name);
    const leftRecord = typeof left === 'object' && left !== null ? (left as Record<string, unknown>) : undefined;
    if (leftRecord && leftRecord.Var === 'context' && Object.keys(leftRecord).length === 1) {
      this.contextKeys.add(names[0]);
    } else {
      this.visit(left);
    }
    return true;
  }

  /** `{"__entity": {type, id}}` in values, `{type, id}` in scopes; extra matches only keep more. */
  #literal(record: Record<string, unknown>): void {
    const candidate = isTypeAndId(record.__entity) ? record.__entity : isTypeAndId(record) ? record : undefined;
    if (candidate) this.literals.set(`${candidate.type}\u0000${candidate.id}`, { type: candidate.type, id: candidate.id });
  }
}

function isTypeAndId(value: unknown): value is TypeAndId {
  return typeof value === 'object' && value !== null && typeof (value as TypeAndId).type === 'string' && typeof (value as TypeAndId).id === 'string';
}
