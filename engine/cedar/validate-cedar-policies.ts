import { checkParseEntities, checkParseSchema, validate } from '@cedar-policy/cedar-wasm/nodejs';
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { diagnosticsFromCedarErrors, wholeFileOrigin } from './cedar-diagnostics.ts';
import type { CedarDiagnostic } from './cedar-policy-error.ts';
import { type CedarPolicyInfo, type CedarSource, parseCedarSources } from './cedar-policy-set.ts';

export interface CedarValidationInput {
  policies: readonly CedarSource[];
  /** `schema.cedarschema`: when given, every policy (and the entities) must validate against it. */
  schema?: CedarSource;
  /** Contents of `entities.json` (a JSON array of Cedar entities), when present. */
  entities?: unknown;
  /** File name used in entity diagnostics. */
  entitiesFile?: string;
}

/**
 * Everything `gatehouse build` must reject in the Cedar part of a policy directory: parse
 * errors, templates, duplicate ids, misplaced Gatehouse annotations, schema parse errors,
 * policies that do not validate against the schema (strict mode), and malformed entities.
 * Each diagnostic names the author's file and line. An empty list means valid.
 */
export function validateCedarPolicies(input: CedarValidationInput): CedarDiagnostic[] {
  const { policies, diagnostics } = parseCedarSources(input.policies);
  let schemaOk = false;
  if (input.schema) {
    const parsed = checkParseSchema(input.schema.text);
    if (parsed.type === 'failure') {
      diagnostics.push(...diagnosticsFromCedarErrors(parsed.errors, wholeFileOrigin(input.schema.file, input.schema.text)));
    } else {
      schemaOk = true;
    }
  }
  if (input.schema && schemaOk && policies.length > 0) {
    const fileTexts = new Map(input.policies.map((s) => [s.file, s.text]));
    diagnostics.push(...schemaValidationProblems(policies, input.schema, fileTexts));
  }
  if (input.entities !== undefined) {
    diagnostics.push(...entityProblems(input.entities, input.entitiesFile ?? 'entities.json', schemaOk ? input.schema?.text : undefined));
  }
  return diagnostics;
}

/** The `staticPolicies` record Cedar is given: Gatehouse ids to policy text, so Cedar reports our ids. */
export function staticPolicyRecord(policies: readonly CedarPolicyInfo[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const p of policies) record[p.id] = p.text;
  return record;
}

function schemaValidationProblems(
  policies: readonly CedarPolicyInfo[],
  schema: CedarSource,
  fileTexts: ReadonlyMap<string, string>,
): CedarDiagnostic[] {
  const answer = validate({
    validationSettings: { mode: 'strict' },
    schema: schema.text,
    policies: { staticPolicies: staticPolicyRecord(policies) },
  });
  if (answer.type === 'failure') {
    return diagnosticsFromCedarErrors(answer.errors, wholeFileOrigin(schema.file, schema.text));
  }
  const byId = new Map(policies.map((p) => [p.id, p]));
  // `validate` answers "success" even when policies fail validation: the array is the verdict.
  return answer.validationErrors.flatMap(({ policyId, error }) => {
    const policy = byId.get(policyId);
    if (!policy) return diagnosticsFromCedarErrors([error], { file: schema.file });
    const fileText = fileTexts.get(policy.file) ?? policy.text;
    return diagnosticsFromCedarErrors([error], { file: policy.file, fileText, given: policy.text, givenStart: policy.start });
  });
}

function entityProblems(entities: unknown, file: string, schemaText: string | undefined): CedarDiagnostic[] {
  if (!Array.isArray(entities)) {
    return [{ file, message: 'Cedar entities must be a JSON array of {"uid", "attrs", "parents"} objects' }];
  }
  const call = schemaText === undefined
    ? { entities: entities as EntityJson[] }
    : { entities: entities as EntityJson[], schema: schemaText };
  const answer = checkParseEntities(call);
  return answer.type === 'failure' ? diagnosticsFromCedarErrors(answer.errors, { file }) : [];
}
