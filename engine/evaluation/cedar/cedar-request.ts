import type { CedarValueJson, EntityJson, StatefulAuthorizationCall, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { DecisionInput } from '../../model/index.ts';
import type { CedarEntityStore } from './cedar-entities.ts';
import type { CedarSchemaTypes } from './cedar-schema-types.ts';
import type { CedarScopedEntities } from './cedar-scoped-entities.ts';
import { cedarDatetime, toCedarRecord } from './cedar-values.ts';

export const DEFAULT_PRINCIPAL_TYPE = 'User';
export const GROUP_TYPE = 'Group';
export const ACTION_TYPE = 'Action';

/**
 * The Cedar request for one Gatehouse request (docs/architecture.md "Cedar (contract)"):
 * - principal `<subject.type ?? User>::"<subject.id>"`, parents `Group::"<g>"` for each group,
 *   attribute `claims` (the subject's claims) when it has any;
 * - action `Action::"<action>"`;
 * - resource `<resource.type>::"<resource.id>"` with its attributes;
 * - context: the request context plus `time`, a Cedar `datetime` set from `input.time`
 *   (a caller's own `context.time` is replaced: the clock is the service's).
 * Static entities with the same uid are merged (parents unioned, request attributes win).
 *
 * With CedarScopedEntities and `contextKeys` (PolicyReferences), only what the policies can
 * observe is sent: the answer is the same, Cedar just parses less. With `schema`, principal
 * and resource attributes and the context are typed as Cedar would read them with the schema
 * (entity references, extension values from strings), like entities.json.
 * Throws CedarValueError for a value Cedar cannot receive exactly (the request is denied).
 */
export function buildCedarRequest(
  input: DecisionInput,
  entities: CedarEntityStore | CedarScopedEntities,
  preparsedPolicySetId: string,
  contextKeys?: ReadonlySet<string>,
  schema?: CedarSchemaTypes,
): StatefulAuthorizationCall {
  const principal: TypeAndId = { type: input.subject.type ?? DEFAULT_PRINCIPAL_TYPE, id: input.subject.id };
  const resource: TypeAndId = { type: input.resource.type, id: input.resource.id };
  const groups: TypeAndId[] = (input.subject.groups ?? []).map((g) => ({ type: GROUP_TYPE, id: g }));

  // Cut to the attribute names policies use before converting: what Cedar never sees cannot deny.
  const scoped = 'attributes' in entities ? entities : undefined;
  let principalAttrs: Record<string, CedarValueJson> = {};
  if (input.subject.claims && Object.keys(input.subject.claims).length > 0 && (!scoped || scoped.usesAttribute('claims'))) {
    principalAttrs.claims = toCedarRecord(input.subject.claims, 'subject.claims');
  }
  const resourceInput = scoped && input.resource.attributes ? scoped.attributes(input.resource.attributes) : input.resource.attributes;
  let resourceAttrs = toCedarRecord(resourceInput, 'resource.attributes');
  if (schema) {
    principalAttrs = schema.typeEntityAttributes(principal.type, principalAttrs);
    resourceAttrs = schema.typeEntityAttributes(resource.type, resourceAttrs);
  }
  const requestEntities: EntityJson[] = [
    { uid: principal, attrs: principalAttrs, parents: groups },
    { uid: resource, attrs: resourceAttrs, parents: [] },
  ];
  // Always converted, so a bad clock fails the request whether or not a policy reads it.
  const time = cedarDatetime(input.time);
  const action: TypeAndId = { type: ACTION_TYPE, id: input.action };
  let context = toCedarRecord(contextKeys ? pick(input.context, contextKeys) : input.context, 'context');
  if (schema) context = schema.typeContext(action, context);
  if (!contextKeys || contextKeys.has('time')) context.time = time;

  return {
    principal,
    action,
    resource,
    context,
    entities: 'attributes' in entities ? entities.withRequestEntities(requestEntities, groups, action) : entities.withRequestEntities(requestEntities, groups),
    preparsedPolicySetId,
    validateRequest: false,
  };
}

function pick(object: Readonly<Record<string, unknown>>, keys: ReadonlySet<string>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(object, key)) picked[key] = object[key];
  return picked;
}
