import type { Decision, EngineDecision } from '../model/index.ts';
import type { JsonObject, JsonValue } from '../model/index.ts';
import type { DecisionExpectation } from '../bundle/index.ts';

/**
 * Compares a decision with what a case expects. Returns the lines of a readable diff, empty
 * when the decision meets the expectation. A failing diff always says which engine and which
 * policies decided, because that is where the author goes next.
 */
export function matchExpectation(expected: DecisionExpectation, got: Decision): string[] {
  const problems: string[] = [];
  if (got.effect !== expected.effect) {
    problems.push(`effect: expected ${expected.effect}, got ${got.effect}`);
  }
  for (const [engine, effect] of Object.entries(expected.engines ?? {})) {
    const decided = got.engines.find((e) => e.engine === engine);
    if (!decided) problems.push(`engine ${engine}: expected ${effect}, but the bundle has no ${engine} engine`);
    else if (decided.effect !== effect) problems.push(`engine ${engine}: expected ${effect}, got ${decided.effect}`);
  }
  if (expected.obligations !== undefined) {
    const missing = missingFrom(expected.obligations, got.obligations, 'obligations', '');
    // An empty mask list is no obligation at all; exact matching must not trip over it.
    const extra = expected.exactObligations ? missingFrom(withoutEmpty(got.obligations), expected.obligations, 'obligations', '') : [];
    problems.push(...missing.map((m) => `obligations: expected ${m}`), ...extra.map((m) => `obligations: did not expect ${m}`));
    if (missing.length + extra.length > 0) problems.push(`  got obligations ${JSON.stringify(got.obligations)}`);
  }
  for (const wanted of expected.reasons ?? []) {
    if (!got.reasons.some((reason) => reason.includes(wanted))) problems.push(`reasons: expected one containing ${JSON.stringify(wanted)}`);
  }
  if (problems.length === 0) return [];
  return [...problems, ...describeDecision(got)];
}

/** Who decided: per engine its effect and determining policies, then every reason and error. */
export function describeDecision(got: Decision): string[] {
  const lines = got.engines.map((e) => `  ${e.engine.padEnd(5)} ${e.effect.padEnd(16)} decided by ${deciders(e)}`);
  if (got.engines.length === 0) lines.push('  (no engine answered)');
  lines.push(...(got.reasons.length > 0 ? got.reasons.map((r) => `  reason: ${r}`) : ['  (no reasons)']));
  for (const engine of got.engines) lines.push(...engine.errors.map((e) => `  error (${engine.engine}): ${e}`));
  return lines;
}

function deciders(engine: EngineDecision): string {
  if (engine.determining.length > 0) return engine.determining.join(', ');
  if (engine.engine === 'cedar' && engine.effect === 'deny') return '(no permit matched)';
  if (engine.engine === 'rego' && engine.effect === 'deny' && engine.reasons.length === 0) return '(decision undefined)';
  return '(no policy named)';
}

/**
 * What of `want` is not in `have`: objects by key, arrays as sets (every wanted item present;
 * `mask` column names case-insensitively), scalars by equality.
 */
function missingFrom(want: JsonValue, have: JsonValue | undefined, key: string, path: string): string[] {
  const here = path || key;
  if (Array.isArray(want)) {
    if (!Array.isArray(have)) return [`${here} to be a list containing ${JSON.stringify(want)}`];
    const caseless = key === 'mask';
    return want
      .filter((item) => !have.some((h) => sameValue(item, h, caseless)))
      .map((item) => `${here} to contain ${JSON.stringify(item)}`);
  }
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return [`${here} to be ${JSON.stringify(want)}`];
    return Object.entries(want).flatMap(([k, v]) =>
      k in have ? missingFrom(v, have[k], k, `${path ? `${path}.` : ''}${k}`) : [`${path ? `${path}.` : ''}${k} = ${JSON.stringify(v)}`],
    );
  }
  return sameValue(want, have, false) ? [] : [`${here} = ${JSON.stringify(want)} (got ${JSON.stringify(have)})`];
}

function withoutEmpty(obligations: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(obligations).filter(([, v]) => !(Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0)),
  );
}

function sameValue(a: JsonValue, b: JsonValue | undefined, caseless: boolean): boolean {
  if (caseless && typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (b === undefined) return false;
  if (Array.isArray(a) || (a !== null && typeof a === 'object')) return missingFrom(a, b, '', '').length === 0 && missingFrom(b, a, '', '').length === 0;
  return a === b;
}
