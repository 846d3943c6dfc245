import type { CedarValueJson, EntityJson, StatefulAuthorizationCall, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { DecisionInput } from '../model/request.ts';
import type { CedarEntityStore } from './cedar-entities.ts';
import { cedarDatetime, toCedarRecord } from './cedar-values.ts';

export const DEFAULT_PRINCIPAL_TYPE = 'User';
export const GROUP_TYPE = 'Group';
export const ACTION_TYPE = 'Action';

/**
 * The Cedar request for one Gatehouse request (DESIGN.md "Cedar (contract)"):
 * - principal `<subject.type ?? User>::"<subject.id>"`, parents `Group::"<g>"` for each group,
 *   attribute `claims` (the subject's claims) when it has any;
 * - action `Action::"<action>"`;
 * - resource `<resource.type>::"<resource.id>"` with its attributes;
 * - context: the request context plus `time`, a Cedar `datetime` set from `input.time`
 *   (a caller's own `context.time` is replaced: the clock is the service's).
 * Static entities with the same uid are merged (parents unioned, request attributes win).
 */
export function buildCedarRequest(
  input: DecisionInput,
  entities: CedarEntityStore,
  preparsedPolicySetId: string,
): StatefulAuthorizationCall {
  const principal: TypeAndId = { type: input.subject.type ?? DEFAULT_PRINCIPAL_TYPE, id: input.subject.id };
  const resource: TypeAndId = { type: input.resource.type, id: input.resource.id };
  const groups: TypeAndId[] = (input.subject.groups ?? []).map((g) => ({ type: GROUP_TYPE, id: g }));

  const principalAttrs: Record<string, CedarValueJson> = {};
  if (input.subject.claims && Object.keys(input.subject.claims).length > 0) {
    principalAttrs.claims = toCedarRecord(input.subject.claims);
  }
  const requestEntities: EntityJson[] = [
    { uid: principal, attrs: principalAttrs, parents: groups },
    { uid: resource, attrs: toCedarRecord(input.resource.attributes), parents: [] },
  ];
  const context = toCedarRecord(input.context);
  context.time = cedarDatetime(input.time);

  return {
    principal,
    action: { type: ACTION_TYPE, id: input.action },
    resource,
    context,
    entities: entities.withRequestEntities(requestEntities, groups),
    preparsedPolicySetId,
    validateRequest: false,
  };
}
