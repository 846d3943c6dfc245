import type { Decision, Effect, EngineName } from '../model/index.ts';
import type { JsonObject } from '../model/index.ts';
import type { DecisionInput } from '../model/index.ts';

/** What a case expects of the combined decision (docs/decision-tests.md "Expectations"). */
export interface DecisionExpectation {
  effect: Effect;
  /** Subset match, or equality when `exactObligations`. */
  obligations?: JsonObject;
  exactObligations?: boolean;
  /** Each must be a substring of some reason. */
  reasons?: string[];
  /** Optional per-engine effects. */
  engines?: Partial<Record<EngineName, Effect>>;
}

/** One case with fixtures resolved and its clock applied: `input` is ready to evaluate. */
export interface DecisionTestCase {
  /** The file as named to the parser (relative to the policy dir, e.g. tests/db.yaml). */
  file: string;
  /** 1-based line of the case in its file. */
  line: number;
  name: string;
  input: DecisionInput;
  expect: DecisionExpectation;
}

export interface DecisionTestFile {
  file: string;
  cases: DecisionTestCase[];
}

export interface DecisionTestResult {
  file: string;
  line: number;
  name: string;
  passed: boolean;
  expected: DecisionExpectation;
  got: Decision;
  /** Readable lines explaining a failure (empty when passed). */
  diff: string[];
  /** The request as given to the evaluation path (before fact computation), for coverage. */
  input: DecisionInput;
}
