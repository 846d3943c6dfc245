import { EFFECTS, type Effect, type EngineDecision, type Obligations } from '../../model/index.ts';
import type { JsonObject, JsonValue } from '../../model/index.ts';
import type { RegoValue } from './builtins/rego-value.ts';

/**
 * Maps the value of the Rego decision rule to an EngineDecision. The shape is validated strictly:
 * anything unexpected (an unknown effect, a wrong type, an unknown key such as a misspelt
 * `obligation`) is a deny that names the problem, because a silently dropped obligation would
 * open a door the policy meant to keep half-shut.
 */

const DECISION_KEYS = new Set(['effect', 'reasons', 'obligations']);

export function undefinedDecision(entrypoint: string): EngineDecision {
  return {
    engine: 'rego',
    effect: 'deny',
    reasons: [`rego:${entrypoint}: decision is undefined (default deny)`],
    obligations: {},
    determining: [entrypoint],
    errors: [],
  };
}

export function failedDecision(entrypoint: string, error: string): EngineDecision {
  return {
    engine: 'rego',
    effect: 'deny',
    reasons: [`rego:${entrypoint}: evaluation failed (deny): ${error}`],
    obligations: {},
    determining: [entrypoint],
    errors: [error],
  };
}

function describe(value: RegoValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}`;
}

function isObject(value: RegoValue | undefined): value is { [key: string]: RegoValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJson(value: RegoValue): JsonValue {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v);
    return out;
  }
  return value;
}

/** `resultSet` is the WASM result set: `[]` (undefined) or `[{"result": value}]`. */
export function mapRegoResult(resultSet: RegoValue, entrypoint: string): EngineDecision {
  if (!Array.isArray(resultSet)) return failedDecision(entrypoint, 'WASM result set is not an array');
  if (resultSet.length === 0) return undefinedDecision(entrypoint);
  if (resultSet.length > 1) return failedDecision(entrypoint, 'decision has more than one result');
  const entry = resultSet[0];
  if (!isObject(entry) || !('result' in entry)) return undefinedDecision(entrypoint);
  const decision = entry.result;
  if (!isObject(decision)) return failedDecision(entrypoint, `decision must be an object, got ${describe(decision)}`);

  const errors: string[] = [];
  for (const key of Object.keys(decision)) {
    if (!DECISION_KEYS.has(key)) errors.push(`decision has unknown key "${key}" (allowed: effect, reasons, obligations)`);
  }

  const effectValue = decision.effect;
  let effect: Effect = 'deny';
  if (typeof effectValue === 'string' && (EFFECTS as readonly string[]).includes(effectValue)) {
    effect = effectValue as Effect;
  } else {
    errors.push(`decision.effect must be one of ${EFFECTS.join(', ')}, got ${describe(effectValue)}`);
  }

  const reasons: string[] = [];
  const determining = [entrypoint];
  const reasonsValue = decision.reasons;
  if (reasonsValue !== undefined) {
    if (!Array.isArray(reasonsValue)) {
      errors.push(`decision.reasons must be an array (or set), got ${describe(reasonsValue)}`);
    } else {
      reasonsValue.forEach((reason, i) => {
        if (typeof reason === 'string') {
          reasons.push(`rego:${entrypoint}: ${reason}`);
        } else if (isObject(reason) && typeof reason.id === 'string' && reason.id !== '' && typeof reason.text === 'string') {
          reasons.push(`rego:${reason.id}: ${reason.text}`);
          if (!determining.includes(reason.id)) determining.push(reason.id);
        } else {
          errors.push(`decision.reasons[${i}] must be a string or {"id": string, "text": string}, got ${describe(reason)}`);
        }
      });
    }
  }

  let obligations: Obligations = {};
  const obligationsValue = decision.obligations;
  if (obligationsValue !== undefined) {
    if (!isObject(obligationsValue)) {
      errors.push(`decision.obligations must be an object, got ${describe(obligationsValue)}`);
    } else {
      const mask = obligationsValue.mask;
      if (mask !== undefined && !(Array.isArray(mask) && mask.every((m) => typeof m === 'string'))) {
        errors.push(`decision.obligations.mask must be an array of column names, got ${describe(mask)}`);
      }
      obligations = toJson(obligationsValue) as Obligations;
    }
  }

  if (errors.length > 0) {
    return {
      engine: 'rego',
      effect: 'deny',
      reasons: [...reasons, ...errors.map((e) => `rego:${entrypoint}: invalid decision (deny): ${e}`)],
      obligations,
      determining,
      errors,
    };
  }
  return { engine: 'rego', effect, reasons, obligations, determining, errors: [] };
}
