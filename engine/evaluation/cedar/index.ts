// The Cedar engine's public API (engine/bundle, engine/testing and the CLI import from here).
export { type CedarDiagnostic, CedarPolicyError, formatCedarDiagnostic } from './cedar-policy-error.ts';
export { type CedarPolicyInfo, type CedarSource, listCedarPolicies } from './cedar-policy-set.ts';
export { type CedarValidationInput, validateCedarPolicies } from './validate-cedar-policies.ts';
export { type CedarEvaluator, type CedarEvaluatorOptions, prepareCedarEvaluator } from './cedar-evaluator.ts';
export { formatCedar } from './format-cedar.ts';
