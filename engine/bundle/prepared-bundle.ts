import { combineDecisions } from '../evaluation/index.ts';
import { checkMaskUsage } from '../evaluation/index.ts';
import type { BundleManifest } from './bundle-manifest.ts';
import type { Decision, EngineDecision, EngineName } from '../model/index.ts';
import type { DecisionInput } from '../model/index.ts';
import type { PolicyEvaluator } from '../evaluation/index.ts';

/**
 * One bundle revision, verified and prepared: WASM instantiated, Cedar pre-parsed. Evaluate
 * many times; `evaluate` expects facts already computed (use `evaluateRequest` for a raw
 * request) and never throws.
 */
export interface PreparedBundle {
  readonly revision: string;
  readonly manifest: BundleManifest;
  readonly requiredEngines: readonly EngineName[];
  /** The bundle's own decision tests: `tests/<name>.yaml` → file text. */
  readonly decisionTests: ReadonlyMap<string, string>;
  evaluate(input: DecisionInput): Decision;
  /** Releases the evaluators; evaluating afterwards denies. */
  close(): void;
}

export interface PreparedBundleParts {
  revision: string;
  manifest: BundleManifest;
  requiredEngines: readonly EngineName[];
  evaluators: readonly PolicyEvaluator[];
  decisionTests: ReadonlyMap<string, string>;
}

export function createPreparedBundle(parts: PreparedBundleParts): PreparedBundle {
  let closed = false;
  return {
    revision: parts.revision,
    manifest: parts.manifest,
    requiredEngines: parts.requiredEngines,
    decisionTests: parts.decisionTests,
    evaluate(input: DecisionInput): Decision {
      if (closed) return combineDecisions([], parts.requiredEngines);
      const combined = combineDecisions(
        parts.evaluators.map((evaluator) => evaluateSafely(evaluator, input)),
        parts.requiredEngines,
      );
      // A mask can only be enforced on plain output columns: every caller (service, eval,
      // test, replay) gets the same fail-closed check, not only the PostgreSQL proxy.
      return checkMaskUsage(combined, input.context);
    },
    close(): void {
      if (closed) return;
      closed = true;
      for (const evaluator of parts.evaluators) {
        try {
          evaluator.close();
        } catch {
          // Closing frees memory only; a failure here must not stop the others from closing.
        }
      }
    },
  };
}

/** Evaluators promise not to throw; this keeps the promise for them if one breaks it. */
function evaluateSafely(evaluator: PolicyEvaluator, input: DecisionInput): EngineDecision {
  try {
    return evaluator.evaluate(input);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { engine: evaluator.engine, effect: 'deny', reasons: [], obligations: {}, determining: [], errors: [message] };
  }
}
