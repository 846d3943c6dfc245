import { formatPolicies } from '@cedar-policy/cedar-wasm/nodejs';
import { diagnosticsFromCedarErrors, wholeFileOrigin } from './cedar-diagnostics.ts';
import { CedarPolicyError } from './cedar-policy-error.ts';

/**
 * Cedar's own formatting of a policy file (comments kept). Throws CedarPolicyError, located
 * in `file`, when the text does not parse.
 */
export function formatCedar(text: string, file = '<input>'): string {
  const answer = formatPolicies({ policyText: text, lineWidth: 80, indentWidth: 2 });
  if (answer.type === 'failure') {
    throw new CedarPolicyError(diagnosticsFromCedarErrors(answer.errors, wholeFileOrigin(file, text)));
  }
  return answer.formatted_policy;
}
