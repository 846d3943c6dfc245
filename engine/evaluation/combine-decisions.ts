import { EFFECTS, type Decision, type EngineDecision, type EngineName, type Obligations } from '../model/index.ts';
import type { JsonValue } from '../model/index.ts';

/**
 * docs/architecture.md "Combining": any deny → deny; else any require_approval → require_approval; else
 * allow. A required engine that did not answer, or answered with errors, or with an effect
 * outside the three, is a deny; so is a request no engine answered. Obligations are unioned
 * (arrays deduplicated) and reasons concatenated in engine order.
 */
export function combineDecisions(decisions: readonly EngineDecision[], required: readonly EngineName[]): Decision {
  const reasons: string[] = [];
  let denied = decisions.length === 0;
  if (decisions.length === 0) reasons.push('gatehouse:combine: no engine evaluated the request');
  let approval = false;

  for (const engine of required) {
    if (!decisions.some((d) => d.engine === engine)) {
      denied = true;
      reasons.push(`${engine}:engine: required engine did not answer`);
    }
  }
  for (const decision of decisions) {
    reasons.push(...decision.reasons);
    if (decision.errors.length > 0) {
      denied = true;
      for (const error of decision.errors) {
        // An engine that already states the error as a reason (Cedar does) is not repeated.
        const reason = `${decision.engine}:error: ${error}`;
        if (!decision.reasons.includes(reason) && !decision.reasons.includes(error)) reasons.push(reason);
      }
    }
    if (!EFFECTS.includes(decision.effect)) {
      denied = true;
      reasons.push(`${decision.engine}:engine: unknown effect '${String(decision.effect)}'`);
    } else if (decision.effect === 'deny') {
      denied = true;
    } else if (decision.effect === 'require_approval') {
      approval = true;
    }
  }

  return {
    effect: denied ? 'deny' : approval ? 'require_approval' : 'allow',
    reasons,
    obligations: unionObligations(decisions.map((d) => d.obligations)),
    engines: [...decisions],
  };
}

/** Arrays are unioned (first occurrence order); a scalar beside an array joins it; otherwise first wins. */
export function unionObligations(all: readonly Obligations[]): Obligations {
  const result: Obligations = {};
  for (const obligations of all) {
    for (const [key, value] of Object.entries(obligations ?? {})) {
      const existing = result[key];
      if (existing === undefined) {
        result[key] = Array.isArray(value) ? dedupe(value) : value;
      } else if (Array.isArray(existing) || Array.isArray(value)) {
        result[key] = dedupe([...asArray(existing), ...asArray(value)]);
      }
    }
  }
  return result;
}

function asArray(value: JsonValue): JsonValue[] {
  return Array.isArray(value) ? value : [value];
}

function dedupe(values: JsonValue[]): JsonValue[] {
  const seen = new Set<string>();
  const out: JsonValue[] = [];
  for (const value of values) {
    const key = JSON.stringify(value);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}
