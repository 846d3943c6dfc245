import { policySetTextToParts, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { diagnosticsFromCedarErrors, wholeFileOrigin } from './cedar-diagnostics.ts';
import { type CedarDiagnostic, CedarPolicyError } from './cedar-policy-error.ts';
import { positionOfIndex } from './source-position.ts';
import { splitPolicyText } from './split-policy-text.ts';

/** A Cedar file as read from a policy directory or a bundle. */
export interface CedarSource {
  file: string;
  text: string;
}

/** One static Cedar policy under the id Gatehouse gives it. */
export interface CedarPolicyInfo {
  /** `@id("…")` when given, else `<file>:<line>` of the policy's first token. */
  id: string;
  file: string;
  line: number;
  column: number;
  effect: 'permit' | 'forbid';
  annotations: Record<string, string>;
  /** The policy's text exactly as in its file (annotations included). */
  text: string;
  /** String index of the policy's first character in its file. */
  start: number;
}

export interface ParsedCedarPolicies {
  policies: CedarPolicyInfo[];
  diagnostics: CedarDiagnostic[];
}

/**
 * Parses every file into individual policies with Gatehouse ids. Problems are collected, not
 * thrown, so a build can report all of them at once.
 */
export function parseCedarSources(sources: readonly CedarSource[]): ParsedCedarPolicies {
  const policies: CedarPolicyInfo[] = [];
  const diagnostics: CedarDiagnostic[] = [];
  for (const source of sources) {
    const parsed = parseCedarFile(source);
    policies.push(...parsed.policies);
    diagnostics.push(...parsed.diagnostics);
  }
  const byId = new Map<string, CedarPolicyInfo>();
  for (const policy of policies) {
    const earlier = byId.get(policy.id);
    if (earlier) {
      diagnostics.push({
        file: policy.file,
        line: policy.line,
        column: policy.column,
        message: `duplicate Cedar policy id "${policy.id}" (first used at ${earlier.file}:${earlier.line})`,
        help: 'give each policy a unique @id("…"), or none to use its file:line',
      });
    } else {
      byId.set(policy.id, policy);
    }
  }
  return { policies, diagnostics };
}

/** All policies with ids, file, line, effect and annotations; throws CedarPolicyError on any problem. */
export function listCedarPolicies(sources: readonly CedarSource[]): CedarPolicyInfo[] {
  const { policies, diagnostics } = parseCedarSources(sources);
  if (diagnostics.length > 0) throw new CedarPolicyError(diagnostics);
  return policies;
}

function parseCedarFile(source: CedarSource): ParsedCedarPolicies {
  const { file, text } = source;
  const whole = policySetTextToParts(text);
  if (whole.type === 'failure') {
    return { policies: [], diagnostics: diagnosticsFromCedarErrors(whole.errors, wholeFileOrigin(file, text)) };
  }
  const slices = splitPolicyText(text);
  const diagnostics: CedarDiagnostic[] = [];
  const expected = whole.policies.length + whole.policy_templates.length;
  if (slices.length !== expected) {
    // Cannot happen for text Cedar accepts; refuse rather than mis-attribute ids.
    return { policies: [], diagnostics: [{ file, message: `found ${slices.length} policies where Cedar found ${expected}; cannot assign policy ids` }] };
  }
  const policies: CedarPolicyInfo[] = [];
  for (const slice of slices) {
    const { line, column } = positionOfIndex(text, slice.start);
    const json = policyToJson(slice.text);
    if (json.type === 'failure') {
      const isTemplate = /\?(principal|resource)\b/.test(slice.text);
      diagnostics.push(
        isTemplate
          ? { file, line, column, message: 'Cedar templates (?principal, ?resource) are not supported', help: 'write a static policy' }
          : { file, line, column, message: json.errors.map((e) => e.message).join('; ') },
      );
      continue;
    }
    const annotations: Record<string, string> = { ...(json.json.annotations ?? {}) };
    const effect = json.json.effect;
    const id = annotations.id ?? `${file}:${line}`;
    policies.push({ id, file, line, column, effect, annotations, text: slice.text, start: slice.start });
    diagnostics.push(...annotationProblems(file, line, column, effect, annotations));
  }
  return { policies, diagnostics };
}

/** Gatehouse's own annotations used where they can mean nothing are mistakes worth failing a build. */
function annotationProblems(file: string, line: number, column: number, effect: string, annotations: Record<string, string>): CedarDiagnostic[] {
  const problems: CedarDiagnostic[] = [];
  const at = (message: string, help?: string): CedarDiagnostic => (help ? { file, line, column, message, help } : { file, line, column, message });
  if (annotations.id !== undefined && annotations.id.trim() === '') problems.push(at('@id must not be empty'));
  if (effect === 'forbid' && annotations.approval !== undefined) {
    problems.push(at('@approval applies only to permit policies', 'a forbid always denies; put @approval on the permit instead'));
  }
  if (effect === 'forbid' && annotations.mask !== undefined) {
    problems.push(at('@mask applies only to permit policies', 'a forbid always denies, so nothing would be masked'));
  }
  if (annotations.mask !== undefined && maskColumns(annotations.mask).length === 0) {
    problems.push(at('@mask names no columns', 'write @mask("column,other_column")'));
  }
  return problems;
}

/** `@mask("a, b")` → ["a", "b"]. */
export function maskColumns(annotation: string): string[] {
  return annotation
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}
