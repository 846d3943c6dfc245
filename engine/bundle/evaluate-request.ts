import { computeFacts } from '../evaluation/index.ts';
import type { Decision } from '../model/index.ts';
import type { DecisionInput } from '../model/index.ts';
import type { PreparedBundle } from './prepared-bundle.ts';

/**
 * THE decision path shared by the service, `gatehouse eval`, `gatehouse test` and replay:
 * compute the facts from the raw SQL/shell text (discarding any the caller sent), then
 * evaluate every required engine and combine. Facts that cannot be computed deny, because a
 * policy that cannot see what a command does must not allow it. Never throws.
 */
export function evaluateRequest(bundle: Pick<PreparedBundle, 'evaluate'>, input: DecisionInput): Decision {
  try {
    const facts = computeFacts(input.context);
    if (facts.errors.length > 0) {
      const reasons = facts.errors.map((error) => (error.startsWith('facts:') ? error : `facts: ${error}`));
      return { effect: 'deny', reasons, obligations: {}, engines: [] };
    }
    return bundle.evaluate({ ...input, context: facts.context });
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    return { effect: 'deny', reasons: [`gatehouse:evaluate: ${message}`], obligations: {}, engines: [] };
  }
}
