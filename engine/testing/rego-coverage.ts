import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceFile } from '../bundle/index.ts';
import type { DecisionInput } from '../model/index.ts';
import { opaComplaint, RegoToolError, runOpaProcess } from './opa-process.ts';

/** A Rego rule definition: one `name ... if { ... }` (several definitions of a name are several rules). */
export interface RegoRule {
  file: string;
  line: number;
  /** Fully qualified, e.g. data.gatehouse.decision. */
  name: string;
  /** Column of the head, so that a one-line rule whose body ran but failed is not counted. */
  column: number;
}

export interface RegoCoverage {
  rules: RegoRule[];
  uncovered: RegoRule[];
  /** Why coverage could not be measured (every rule then counts as uncovered). */
  error?: string;
}

interface Span {
  start: { row: number; col: number };
  end: { row: number; col: number };
}

/**
 * Which Rego rules the decision-test inputs exercise. WASM has no tracing, so the same inputs
 * (facts already computed, same clock) are evaluated by `opa eval --coverage` on the source, all
 * cases in one call. A rule counts as exercised when opa marks its head covered, i.e. the rule
 * produced a value for at least one case.
 */
export function regoRuleCoverage(
  root: string,
  modules: SourceFile[],
  dataFile: string | undefined,
  entrypoint: string,
  inputs: DecisionInput[],
): RegoCoverage {
  const rules = modules.flatMap((m) => listRegoRules(root, m.file));
  if (rules.length === 0 || inputs.length === 0) return { rules, uncovered: rules };

  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-coverage-'));
  try {
    const inputFile = join(dir, 'cases.json');
    writeFileSync(inputFile, JSON.stringify(inputs));
    const decision = `data.${entrypoint.split('/').join('.')}`;
    // Bind the case to a variable first: `with input as c` where c itself comes from input would
    // be evaluated under the replaced input.
    const query = `results := [d | some c in input; x := c; ns := time.parse_rfc3339_ns(x.time); d := ${decision} with input as x with time.now_ns as ns]`;
    const args = ['eval', '--coverage', '--format', 'json', '--input', inputFile, ...modules.flatMap((m) => ['--data', m.file])];
    if (dataFile) args.push('--data', dataFile);
    args.push(query);
    const outcome = runOpaProcess(args, root);
    // A runtime error (say, conflicting rule values for one case) already fails that case on the
    // bundle; here it only means coverage is unknown, which must not read as covered.
    if (outcome.status !== 0) return { rules, uncovered: rules, error: `opa eval --coverage failed: ${opaComplaint(outcome)}` };
    const report = JSON.parse(outcome.stdout) as { coverage?: { files?: Record<string, { covered?: Span[] }> } };
    const files = report.coverage?.files ?? {};
    const isCovered = (rule: RegoRule) =>
      (files[rule.file]?.covered ?? []).some((span) => contains(span, rule.line, rule.column));
    return { rules, uncovered: rules.filter((rule) => !isCovered(rule)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function contains(span: Span, row: number, col: number): boolean {
  const afterStart = span.start.row < row || (span.start.row === row && span.start.col <= col);
  const beforeEnd = span.end.row > row || (span.end.row === row && span.end.col >= col);
  return afterStart && beforeEnd;
}

interface ParsedTerm {
  type: string;
  value: unknown;
}

interface ParsedRule {
  head?: { location?: { row?: number; col?: number }; ref?: ParsedTerm[]; name?: string };
  else?: ParsedRule;
}

interface ParsedModule {
  package?: { path?: ParsedTerm[] };
  rules?: ParsedRule[];
}

/** Rule definitions of one module, from opa's own parser (so every Rego syntax is understood). */
export function listRegoRules(root: string, file: string): RegoRule[] {
  const outcome = runOpaProcess(['parse', '--format', 'json', '--json-include', 'locations,-comments', file], root);
  if (outcome.status !== 0) throw new RegoToolError(`opa parse failed: ${opaComplaint(outcome)}`);
  const parsed = JSON.parse(outcome.stdout) as ParsedModule;
  const pkg = (parsed.package?.path ?? []).map((t) => String(t.value)).join('.');
  const rules: RegoRule[] = [];
  for (const rule of parsed.rules ?? []) {
    const ref = rule.head?.ref ?? [{ type: 'var', value: rule.head?.name ?? '?' }];
    const name = `${pkg}.${ref.map((t) => (t.type === 'var' || t.type === 'string' ? String(t.value) : '[_]')).join('.')}`;
    // Each `else` branch is its own value and needs its own case to be exercised.
    let branch: ParsedRule | undefined = rule;
    for (let depth = 0; branch; depth++, branch = branch.else) {
      const location = branch.head?.location;
      rules.push({ file, line: location?.row ?? 0, column: location?.col ?? 1, name: depth === 0 ? name : `${name} (else)` });
    }
  }
  return rules;
}
