import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { loadBundle } from '../../../engine/testing/load-self-tested-bundle.ts';
import { listCedarPolicies } from '../../../engine/evaluation/cedar/index.ts';
import { evaluateRequest } from '../../../engine/bundle/evaluate-request.ts';
import type { DecisionInput } from '../../../engine/model/index.ts';
import { jsonToStruct } from '../../../proto/struct-json.ts';
import type { DecideRequest } from '../../../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { DecideResponse__Output } from '../../../proto/generated/gatehouse/v1/DecideResponse.ts';
import { decide, startTestServer } from '../../engine/server/service-fixture.ts';
import { type CorpusRequest, type CorpusTest, type ExceptionClass, errorDenies, gatehouseContext, requestException, testException } from './cedar-corpus-case.ts';

/** What happened to one request (or to a whole test file whose bundle is refused). */
export interface CaseOutcome {
  test: string;
  /** Request description; absent for a test-file-level exception. */
  request?: string;
  exception?: ExceptionClass;
  /** Empty when Gatehouse behaved as expected (Cedar's answer, or the documented difference). */
  problems: string[];
}

const POLICY_FILE = 'policies.cedar';
/** Classes whose requests the service refuses with INVALID_ARGUMENT; the engine must still agree. */
export const REFUSED_BY_SERVICE: ReadonlySet<ExceptionClass> = new Set(['empty-id', 'control-characters', 'action-name', 'identifier-length']);
const FIXED_TIME = '2026-01-01T00:00:00Z';

/**
 * Runs one corpus test file the way production does: the test's policies, schema and
 * entities.json become a policy directory, `buildBundle` builds it, a real decision server
 * serves it, and every request goes over gRPC Decide twice (the second answer comes through
 * the answer cache). The same bundle loaded in-process gives the determining policies, which
 * the gRPC answer does not carry for allows.
 */
export async function runCorpusTest(test: CorpusTest, work: string): Promise<CaseOutcome[]> {
  const dir = join(work, 'policy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, POLICY_FILE), test.policies);
  if (test.schema !== undefined) writeFileSync(join(dir, 'schema.cedarschema'), test.schema);
  if (test.entitiesText !== undefined) writeFileSync(join(dir, 'entities.json'), test.entitiesText);
  const bundlePath = join(work, 'bundle.tar.gz');

  const fileException = testException(test);
  let buildError: string | undefined;
  try {
    await buildBundle(dir, bundlePath);
  } catch (error) {
    buildError = (error as Error).message;
  }
  // Policies Cedar's corpus marks invalid but this Cedar's strict validator accepts build and must then agree.
  const builtAnyway = fileException === 'invalid-policies' && buildError === undefined;
  if (fileException && !builtAnyway) return [{ test: test.file, exception: fileException, problems: checkRefusedBuild(test, fileException, buildError) }];
  if (buildError !== undefined) return [{ test: test.file, problems: [`build refused a valid test: ${buildError}`] }];

  const ids = listCedarPolicies([{ file: POLICY_FILE, text: test.policies }]).map((p) => p.id);
  const cedarName = (id: string) => (ids.includes(id) ? `policy${ids.indexOf(id)}` : id);
  const bundle = await loadBundle(bundlePath);
  const server = await startTestServer(work, bundlePath, { auditPath: join(work, 'audit.jsonl') });
  const outcomes: CaseOutcome[] = [];
  try {
    for (const request of test.requests) {
      const exception = requestException(request);
      const outcome: CaseOutcome = { test: test.file, request: request.description, problems: [] };
      if (exception) outcome.exception = exception;
      outcomes.push(outcome);
      // Not expressible in Gatehouse's request model at all: nothing to send.
      if (exception === 'namespaced-action' || exception === 'unsupported-extension-form') continue;

      const call = decideRequest(request);
      const first = await decideOrError(server.client, call);
      const second = await decideOrError(server.client, call);
      const local = evaluateRequest(bundle, decisionInput(request));
      const cedar = local.engines.find((engine) => engine.engine === 'cedar');
      const determining = (cedar?.determining ?? []).map(cedarName);
      const refused = exception !== undefined && REFUSED_BY_SERVICE.has(exception);
      if (refused) {
        // The service refuses the request; the engine behind it must still agree with Cedar.
        if (!('code' in first) || first.code !== grpc.status.INVALID_ARGUMENT) outcome.problems.push(`expected INVALID_ARGUMENT, got ${describe(first)}`);
        outcome.problems.push(...compare(request, local.effect, local.reasons, determining, cedarName, errorDenies(request)));
        continue;
      }
      if ('code' in first || 'code' in second) {
        outcome.problems.push(`gRPC error: ${describe('code' in first ? first : second)}`);
        continue;
      }
      if (first.effect !== second.effect || JSON.stringify(first.reasons) !== JSON.stringify(second.reasons)) {
        outcome.problems.push(`a repeated request answered differently: ${describe(first)} then ${describe(second)}`);
      }
      const served = effectName(first.effect);
      if (local.effect !== served) outcome.problems.push(`in-process ${local.effect} but served ${served}`);
      if (exception === 'request-long-beyond-exact') {
        // Denied naming the value when a policy reads it; otherwise Cedar never sees it and agrees.
        if (served === 'deny' && first.reasons.some((reason) => reason.includes(`is beyond ±${Number.MAX_SAFE_INTEGER}`))) continue;
      }
      outcome.problems.push(...compare(request, served, first.reasons, determining, cedarName, exception === 'error-denies'));
    }
  } finally {
    await server.close();
    bundle.close();
  }
  return outcomes;
}

/**
 * Gatehouse's answer against Cedar's: the same decision, determining policies and erroring
 * policies, except that with `errorDenies` (a permit matched and another policy errored)
 * Gatehouse must deny where Cedar allows.
 */
function compare(request: CorpusRequest, effect: string, reasons: readonly string[], determining: readonly string[], cedarName: (id: string) => string, errorDenies: boolean): string[] {
  const problems: string[] = [];
  const errored = reasons.flatMap((reason) => /^cedar:(.+?): evaluation error: /.exec(reason)?.[1] ?? []).map(cedarName);
  if (!sameSet(errored, request.errors)) problems.push(`errors ${show(errored)}, Cedar ${show(request.errors)}`);
  if (errorDenies) {
    if (effect !== 'deny') problems.push(`an erroring policy must make Gatehouse deny, got ${effect}`);
    if (reasons.length !== new Set(reasons).size) problems.push(`a reason is repeated: ${reasons.join(' | ')}`);
    return problems;
  }
  if (effect !== request.decision) problems.push(`decision ${effect} (${reasons.join(' | ')}), Cedar ${request.decision}`);
  // Gatehouse lists erroring policies among the determining ones; Cedar keeps them apart.
  const reasonPolicies = determining.filter((id) => !errored.includes(id));
  if (!sameSet(reasonPolicies, request.reason)) problems.push(`determining ${show(reasonPolicies)}, Cedar ${show(request.reason)}`);
  return problems;
}

/** The gRPC enum name (`EFFECT_ALLOW`) as the model's effect (`allow`). */
function effectName(effect: DecideResponse__Output['effect']): string {
  return String(effect).replace(/^EFFECT_/, '').toLowerCase();
}

function checkRefusedBuild(test: CorpusTest, exception: ExceptionClass, buildError: string | undefined): string[] {
  if (buildError === undefined) return [`${exception}: the build should have been refused`];
  // Policies are checked before entities: invalid ones are reported first.
  const invalidPolicies = !test.shouldValidate && buildError.startsWith(`${POLICY_FILE}:`);
  if (exception === 'invalid-policies' && !invalidPolicies) return [`expected a validation error at ${POLICY_FILE}, got: ${buildError}`];
  if (exception === 'entity-long-beyond-exact' && invalidPolicies) return [];
  if (exception === 'entity-long-beyond-exact' && !/^entities\.json: entity .+ (attribute|tag) .+: -?\d+ is (beyond ±9007199254740991|outside Cedar's Long range)/.test(buildError)) {
    return [`expected an entities.json error naming entity, attribute, value and limit, got: ${buildError}`];
  }
  return [];
}

function decideRequest(request: CorpusRequest): DecideRequest {
  return {
    subject: { id: request.principal.id, type: request.principal.type, groups: [] },
    action: request.action.id,
    resource: { type: request.resource.type, id: request.resource.id, attributes: jsonToStruct({}) },
    context: jsonToStruct(gatehouseContext(request.context)),
  };
}

function decisionInput(request: CorpusRequest): DecisionInput {
  return {
    subject: { id: request.principal.id, type: request.principal.type, groups: [] },
    action: request.action.id,
    resource: { type: request.resource.type, id: request.resource.id, attributes: {} },
    context: gatehouseContext(request.context),
    time: FIXED_TIME,
  };
}

async function decideOrError(client: Parameters<typeof decide>[0], call: DecideRequest): Promise<DecideResponse__Output | grpc.ServiceError> {
  try {
    return await decide(client, call);
  } catch (error) {
    return error as grpc.ServiceError;
  }
}

function describe(answer: DecideResponse__Output | grpc.ServiceError): string {
  return 'code' in answer ? `gRPC ${grpc.status[answer.code]}: ${answer.details}` : `${answer.effect} [${answer.reasons.join(' | ')}]`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return show(a) === show(b);
}

function show(values: readonly string[]): string {
  return JSON.stringify([...new Set(values)].sort());
}
