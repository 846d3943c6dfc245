import type { EngineDecision, EngineName } from '../model/index.ts';
import type { DecisionInput } from '../model/index.ts';

/**
 * One prepared policy engine for one bundle revision. Prepared once (WASM instantiated,
 * Cedar pre-parsed), then evaluated many times. `evaluate` is synchronous and never throws:
 * any failure is returned as an EngineDecision with effect "deny" and the error listed,
 * because an engine that cannot answer must never open a door.
 *
 * The clock is the request: `input.time` is the instant `time.now_ns()` (Rego) and
 * `context.time` (Cedar) both see.
 */
export interface PolicyEvaluator {
  readonly engine: EngineName;
  evaluate(input: DecisionInput): EngineDecision;
  /** Releases WASM instances and pre-parsed state of this revision. */
  close(): void;
}
