import type { JsonObject } from './json.ts';

export type Effect = 'allow' | 'deny' | 'require_approval';
export const EFFECTS: readonly Effect[] = ['allow', 'deny', 'require_approval'];

export type EngineName = 'rego' | 'cedar';
export const ENGINE_NAMES: readonly EngineName[] = ['rego', 'cedar'];

/**
 * Obligations a data plane must enforce. `mask` lists column names (case-insensitive).
 * Unknown keys are kept: a proxy that cannot enforce one must deny.
 */
export interface Obligations extends JsonObject {}

/** What one engine concluded for one request. */
export interface EngineDecision {
  engine: EngineName;
  effect: Effect;
  /** Already formatted `<engine>:<policy id>: <text>`. */
  reasons: string[];
  obligations: Obligations;
  /** Policy ids (Cedar) or rule paths (Rego) that determined the effect, for --explain and coverage. */
  determining: string[];
  /** Evaluation errors; any error forces deny. */
  errors: string[];
}

/** The combined decision (deny overrides, then require_approval, else allow). */
export interface Decision {
  effect: Effect;
  reasons: string[];
  obligations: Obligations;
  engines: EngineDecision[];
}
