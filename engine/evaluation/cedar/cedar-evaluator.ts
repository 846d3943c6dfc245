import { checkParseEntities, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer, StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { FactsCache } from '../facts/index.ts';
import type { EngineDecision } from '../../model/index.ts';
import type { DecisionInput } from '../../model/index.ts';
import type { PolicyEvaluator } from '../policy-evaluator.ts';
import { diagnosticsFromCedarErrors } from './cedar-diagnostics.ts';
import { policyReferences } from './cedar-policy-references.ts';
import { CedarScopedEntities } from './cedar-scoped-entities.ts';
import { cedarFailure, decisionFromCedarAnswer } from './cedar-outcome.ts';
import { CedarPolicyError } from './cedar-policy-error.ts';
import { type CedarPolicyInfo, type CedarSource, parseCedarSources } from './cedar-policy-set.ts';
import { buildCedarRequest } from './cedar-request.ts';
import { checkCedarSources, staticPolicyRecord } from './validate-cedar-policies.ts';

export interface CedarEvaluatorOptions {
  /** Bundle revision; part of the pre-parsed policy set's id so revisions never share state. */
  revision: string;
  policies: readonly CedarSource[];
  /**
   * `entities.json`: its text (integers read exactly), or an already parsed JSON array of
   * Cedar entities; absent means none.
   */
  entities?: unknown;
  entitiesFile?: string;
  /** When given, policies and entities must validate against it (as at build). */
  schema?: CedarSource;
  /**
   * Cedar answers remembered per exact call (principal, action, resource, context, entities as
   * sent), default 2048; 0 turns it off. Cedar is a pure function of the call and the revision's
   * policies, so a remembered answer is the answer: repeated requests (the same subject on the
   * same resource) skip the wasm call. Calls longer than 4,096 characters are not remembered.
   */
  answerCacheSize?: number;
}

export interface CedarEvaluator extends PolicyEvaluator {
  readonly engine: 'cedar';
  /** Every policy with its Gatehouse id (for coverage and --explain). */
  readonly policies: readonly CedarPolicyInfo[];
}

let instances = 0;

/**
 * Parses, validates and pre-parses the Cedar policies of one bundle revision, then evaluates
 * requests with Cedar's stateful fast path. Throws CedarPolicyError when anything is invalid.
 *
 * The schema types entities.json once (the same entity list is validated and evaluated) and
 * each request's attributes and context (entity references and extension values where the
 * schema declares them). Cedar does not validate requests against it: requests carry
 * attributes and facts the schema does not describe, and Cedar would reject them outright.
 */
export function prepareCedarEvaluator(options: CedarEvaluatorOptions): CedarEvaluator {
  const checked = checkCedarSources({
    policies: options.policies,
    ...(options.schema ? { schema: options.schema } : {}),
    entities: options.entities ?? [],
    ...(options.entitiesFile ? { entitiesFile: options.entitiesFile } : {}),
  });
  if (checked.diagnostics.length > 0) throw new CedarPolicyError(checked.diagnostics);

  const { policies } = parseCedarSources(options.policies);
  const entityList = checked.entities;
  const schemaTypes = checked.schemaTypes;
  // The typed list is what Cedar gets per request, without the schema: it must parse that way too.
  const entityCheck = checkParseEntities({ entities: entityList });
  if (entityCheck.type === 'failure') {
    throw new CedarPolicyError(diagnosticsFromCedarErrors(entityCheck.errors, { file: options.entitiesFile ?? 'entities.json' }));
  }

  const policySetId = `gatehouse:${options.revision}:${++instances}`;
  const parsed = preparsePolicySet(policySetId, { staticPolicies: staticPolicyRecord(policies) });
  if (parsed.type === 'failure') {
    throw new CedarPolicyError(diagnosticsFromCedarErrors(parsed.errors, { file: options.policies[0]?.file ?? '<cedar>' }));
  }

  const byId = new Map(policies.map((p) => [p.id, p]));
  // Cedar re-parses context and entities on every call: send only what the policies can observe.
  const references = policyReferences(policies.map((p) => p.text));
  const entities = new CedarScopedEntities(entityList, references);
  const contextKeys = references.contextKeys;
  const cacheSize = options.answerCacheSize ?? 2048;
  // A policy that reads the clock (or the whole context, which holds it) makes every call unique.
  const clockFree = contextKeys !== undefined && !contextKeys.has('time');
  const answers = cacheSize > 0 && clockFree ? new FactsCache<AuthorizationAnswer>(cacheSize) : undefined;
  let closed = false;

  return {
    engine: 'cedar',
    policies,
    evaluate(input: DecisionInput): EngineDecision {
      if (closed) return cedarFailure('the Cedar evaluator of this revision is closed');
      try {
        const call = buildCedarRequest(input, entities, policySetId, contextKeys, schemaTypes);
        const key = answers ? answerKey(call) : undefined;
        let answer = key === undefined ? undefined : answers!.get(key);
        if (!answer) {
          answer = statefulIsAuthorized(call);
          if (key !== undefined) answers!.set(key, answer);
        }
        // Builds a fresh decision each time: nothing of a remembered answer is shared with callers.
        return decisionFromCedarAnswer(answer, byId);
      } catch (error) {
        return cedarFailure(error instanceof Error ? error.message : String(error));
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      answers?.clear();
      // cedar-wasm has no eviction call: replacing the entry with an empty set frees the policies.
      preparsePolicySet(policySetId, { staticPolicies: {} });
    },
  };
}

const MAX_KEY_LENGTH = 4096;

/** Everything Cedar sees of one call except the policy set id (one evaluator, one set). */
function answerKey(call: StatefulAuthorizationCall): string | undefined {
  const key = JSON.stringify([call.principal, call.action, call.resource, call.context, call.entities]);
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}
