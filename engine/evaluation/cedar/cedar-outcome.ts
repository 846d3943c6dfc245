import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import type { EngineDecision, Obligations } from '../../model/index.ts';
import { type CedarPolicyInfo, maskColumns } from './cedar-policy-set.ts';

export const NO_PERMIT_REASON = 'cedar: no permit policy matched (default deny)';

/** A deny for a request Cedar could not evaluate at all. */
export function cedarFailure(message: string): EngineDecision {
  const reason = `cedar: evaluation failed: ${oneLine(message)}`;
  return { engine: 'cedar', effect: 'deny', reasons: [reason], obligations: {}, determining: [], errors: [reason] };
}

/**
 * Gatehouse's reading of Cedar's answer (docs/architecture.md "Cedar (contract)"):
 * - any policy that errored → deny, naming each error (Cedar itself skips an erroring policy,
 *   which could let another permit open a door);
 * - a forbid determining → deny with its `@reason` (or "forbidden");
 * - no permit → default deny;
 * - permits determining → allow, or require_approval when ANY of them carries `@approval`
 *   (the most restrictive wins; exempt someone with `unless` on that permit);
 * - `@mask` of the determining permits is unioned into `obligations.mask`; `@reason` adds reasons.
 */
export function decisionFromCedarAnswer(answer: AuthorizationAnswer, policies: ReadonlyMap<string, CedarPolicyInfo>): EngineDecision {
  if (answer.type === 'failure') {
    return cedarFailure(answer.errors.map((e) => e.message).join('; ') || 'Cedar returned a failure without errors');
  }
  const { decision } = answer.response;
  const diagnostics = inPolicyOrder(answer.response.diagnostics, policies);

  if (diagnostics.errors.length > 0) {
    const errors = diagnostics.errors.map((e) => `cedar:${e.policyId}: evaluation error: ${oneLine(e.error.message)}`);
    const forbids = decision === 'deny' ? diagnostics.reason : [];
    const reasons = [...forbids.map((id) => `cedar:${id}: ${annotationsOf(policies, id).reason ?? 'forbidden'}`), ...errors];
    const determining = unique([...forbids, ...diagnostics.errors.map((e) => e.policyId)]);
    return { engine: 'cedar', effect: 'deny', reasons, obligations: {}, determining, errors };
  }

  if (decision === 'deny') {
    if (diagnostics.reason.length === 0) {
      return { engine: 'cedar', effect: 'deny', reasons: [NO_PERMIT_REASON], obligations: {}, determining: [], errors: [] };
    }
    const reasons = diagnostics.reason.map((id) => `cedar:${id}: ${annotationsOf(policies, id).reason ?? 'forbidden'}`);
    return { engine: 'cedar', effect: 'deny', reasons, obligations: {}, determining: [...diagnostics.reason], errors: [] };
  }

  const approvals: string[] = [];
  const reasons: string[] = [];
  const mask: string[] = [];
  for (const id of diagnostics.reason) {
    const annotations = annotationsOf(policies, id);
    if (annotations.approval !== undefined) {
      approvals.push(`cedar:${id}: ${annotations.approval.trim() || 'approval required'}`);
    }
    if (annotations.reason !== undefined) reasons.push(`cedar:${id}: ${annotations.reason}`);
    if (annotations.mask !== undefined) {
      for (const column of maskColumns(annotations.mask)) if (!mask.includes(column)) mask.push(column);
    }
  }
  const obligations: Obligations = mask.length > 0 ? { mask } : {};
  return {
    engine: 'cedar',
    effect: approvals.length > 0 ? 'require_approval' : 'allow',
    reasons: [...approvals, ...reasons],
    obligations,
    determining: [...diagnostics.reason],
    errors: [],
  };
}

type Diagnostics = Extract<AuthorizationAnswer, { type: 'success' }>['response']['diagnostics'];

/** Policy position in its bundle, per policy map (maps are built once per revision). */
const ranks = new WeakMap<ReadonlyMap<string, CedarPolicyInfo>, Map<string, number>>();

/**
 * Cedar reports determining policies from a hash set whose iteration order depends on the
 * wasm instance's history (its hash seeds advance per map created), so the same request can
 * list them differently from call to call. Policy-file order makes reasons and masks stable.
 */
function inPolicyOrder(diagnostics: Diagnostics, policies: ReadonlyMap<string, CedarPolicyInfo>): Diagnostics {
  if (diagnostics.reason.length < 2 && diagnostics.errors.length < 2) return diagnostics;
  let rank = ranks.get(policies);
  if (!rank) {
    rank = new Map([...policies.keys()].map((id, index) => [id, index]));
    ranks.set(policies, rank);
  }
  const order = rank;
  return {
    ...diagnostics,
    reason: [...diagnostics.reason].sort((a, b) => positionOf(order, a) - positionOf(order, b)),
    errors: [...diagnostics.errors].sort((a, b) => positionOf(order, a.policyId) - positionOf(order, b.policyId)),
  };
}

// Module-level helpers rather than per-call closures: tsx (keepNames) wraps every named
// closure in a defineProperty call, which shows in the per-decision profile.
function annotationsOf(policies: ReadonlyMap<string, CedarPolicyInfo>, id: string): Record<string, string> {
  return policies.get(id)?.annotations ?? {};
}

function positionOf(rank: ReadonlyMap<string, number>, id: string): number {
  return rank.get(id) ?? Number.MAX_SAFE_INTEGER;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
