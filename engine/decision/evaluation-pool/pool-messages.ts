import type { Decision } from '../../model/index.ts';
import type { DecisionInput } from '../../model/index.ts';

/**
 * The protocol between the service thread and its evaluation workers. Messages on one port
 * arrive in order, which the pool relies on: a `drop` is posted only after every evaluation
 * of that generation has been answered.
 */

/** One request to evaluate with a loaded generation (facts already computed). */
export interface EvaluationItem {
  id: number;
  generation: number;
  input: DecisionInput;
}

export type ToWorker =
  /** Load the bundle file; it must hold `revision` (a content hash), else the load fails. */
  | { type: 'load'; generation: number; path: string; revision: string }
  | { type: 'drop'; generation: number }
  | { type: 'evaluate'; items: EvaluationItem[] };

export type FromWorker =
  | { type: 'loaded'; generation: number; error?: string }
  | { type: 'evaluated'; results: { id: number; decision: Decision }[] };
