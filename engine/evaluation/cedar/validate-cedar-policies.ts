import { checkParseSchema, validate } from '@cedar-policy/cedar-wasm/nodejs';
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { readCedarEntityFile } from './cedar-entity-file.ts';
import { CedarSchemaTypes } from './cedar-schema-types.ts';
import { diagnosticsFromCedarErrors, wholeFileOrigin } from './cedar-diagnostics.ts';
import type { CedarDiagnostic } from './cedar-policy-error.ts';
import { type CedarPolicyInfo, type CedarSource, parseCedarSources } from './cedar-policy-set.ts';

export interface CedarValidationInput {
  policies: readonly CedarSource[];
  /** `schema.cedarschema`: when given, every policy (and the entities) must validate against it. */
  schema?: CedarSource;
  /**
   * `entities.json`, when present: its text (read with exact integers), or an already parsed
   * JSON array of Cedar entities.
   */
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
  return checkCedarSources(input).diagnostics;
}

/** What checking produced besides the verdict: the entities and schema types evaluation uses. */
export interface CheckedCedarSources {
  diagnostics: CedarDiagnostic[];
  /** entities.json as read once (typed by the schema, exact Longs, schema actions added). */
  entities: EntityJson[];
  schemaTypes?: CedarSchemaTypes;
}

/** validateCedarPolicies, keeping the parsed entities and schema types for evaluation. */
export function checkCedarSources(input: CedarValidationInput): CheckedCedarSources {
  const { policies, diagnostics } = parseCedarSources(input.policies);
  let schemaOk = false;
  let schemaTypes: CedarSchemaTypes | undefined;
  if (input.schema) {
    const parsed = checkParseSchema(input.schema.text);
    if (parsed.type === 'failure') {
      diagnostics.push(...diagnosticsFromCedarErrors(parsed.errors, wholeFileOrigin(input.schema.file, input.schema.text)));
    } else {
      schemaOk = true;
      try {
        schemaTypes = new CedarSchemaTypes(input.schema.text);
      } catch (error) {
        diagnostics.push({ file: input.schema.file, message: (error as Error).message });
      }
    }
  }
  if (input.schema && schemaOk && policies.length > 0) {
    const fileTexts = new Map(input.policies.map((s) => [s.file, s.text]));
    diagnostics.push(...schemaValidationProblems(policies, input.schema, fileTexts));
  }
  let entities: EntityJson[] = [];
  const schema = schemaTypes && input.schema ? { types: schemaTypes, text: input.schema.text } : undefined;
  if (input.entities !== undefined || schema) {
    // Without an entities.json a schema still contributes its actions (and their groups).
    const read = readCedarEntityFile(input.entities ?? [], input.entitiesFile ?? 'entities.json', schema);
    if (read.entities) entities = read.entities;
    else diagnostics.push(...read.diagnostics);
  }
  return { diagnostics, entities, ...(schemaTypes ? { schemaTypes } : {}) };
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
