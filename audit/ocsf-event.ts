import type { JsonObject, JsonValue } from '../engine/model/index.ts';

/** The OCSF schema version the mapping targets. */
export const OCSF_VERSION = '1.3.0';

/**
 * One Gatehouse audit event (a parsed CloudEvent) as an OCSF event, following the table in
 * docs/audit.md "OCSF export". The CloudEvents envelope (id, source, sequence, prevhash,
 * recordedtime) is kept in `unmapped` so the chain can still be verified downstream, and the
 * whole Gatehouse `data` under `unmapped.data`: OCSF has no place for most of it, and a SIEM rule
 * may still need it.
 */
export function toOcsf(event: JsonObject, productVersion: string): JsonObject {
  const type = stringOf(event.type);
  const data = objectOf(event.data);
  const mapped = mapByType(type, data, stringOf(event.subject));
  const ocsf: JsonObject = {
    ...mapped.fields,
    category_uid: Math.floor(mapped.classUid / 1000),
    class_uid: mapped.classUid,
    activity_id: mapped.activityId,
    type_uid: mapped.classUid * 100 + mapped.activityId,
    severity_id: 1,
    time: epochMillis(event.time),
    metadata: {
      version: OCSF_VERSION,
      uid: stringOf(event.id),
      product: { name: 'Gatehouse', vendor_name: 'Gatehouse', version: productVersion },
      logged_time: epochMillis(event.recordedtime ?? event.time),
      log_name: type,
    },
    unmapped: {
      id: stringOf(event.id),
      source: stringOf(event.source),
      type,
      subject: stringOf(event.subject),
      sequence: stringOf(event.sequence),
      // Events written before 0.2.0 name it prevHash.
      prevhash: stringOf(event.prevhash ?? event.prevHash),
      data,
    },
  };
  return ocsf;
}

interface Mapped {
  classUid: number;
  activityId: number;
  fields: JsonObject;
}

const API_ACTIVITY = 6003;
const DATASTORE_ACTIVITY = 6005;
const AUTHENTICATION = 3002;
const PROCESS_ACTIVITY = 1007;
const OTHER = 99;

function mapByType(type: string, data: JsonObject, subject: string): Mapped {
  switch (type) {
    case 'gatehouse.decision.v1':
      return decision(data);
    case 'gatehouse.token.v1':
      return token(data, subject);
    case 'gatehouse.approval.v1':
      return approval(data);
    case 'gatehouse.session.v1':
      return session(data);
    default:
      throw new Error(`event type ${type || '(none)'} has no OCSF mapping`);
  }
}

/** status_id, action_id and disposition_id of a decision effect; anything but allow is a deny. */
function outcome(effect: string): JsonObject {
  const allowed = effect === 'allow';
  return {
    status_id: allowed ? 1 : 2,
    status: allowed ? 'Success' : 'Failure',
    action_id: allowed ? 1 : 2,
    disposition_id: allowed ? 1 : effect === 'require_approval' ? 14 : 2,
  };
}

const DATASTORE_ACTIVITY_BY_KIND: Record<string, number> = { select: 1, update: 2, insert: 5, delete: 7 };

function decision(data: JsonObject): Mapped {
  const input = objectOf(data.input);
  const action = stringOf(input.action);
  const resource = objectOf(input.resource);
  const effect = stringOf(data.effect);
  const actor = { user: { uid: stringOf(objectOf(input.subject).id) } };
  const authorizations = [{ decision: effect, policy: { uid: stringOf(data.policyRevision) } }];
  const common = { ...outcome(effect), actor: { ...actor, authorizations }, message: listOf(data.reasons).map(stringOf).join('; ') };
  if (action === 'db.connect' || action === 'ssh.connect') {
    return {
      classUid: AUTHENTICATION,
      activityId: 1,
      fields: { ...common, user: actor.user, dst_endpoint: { name: stringOf(resource.id) }, service: { name: action.split('.')[0]! } },
    };
  }
  if (action === 'db.query') {
    const sql = objectOf(objectOf(input.context).sql);
    const statements = listOf(sql.statements).map(objectOf);
    const kinds = new Set(statements.map((statement) => stringOf(statement.kind)));
    const only = kinds.size === 1 ? [...kinds][0]! : '';
    const table = statements.flatMap((statement) => listOf(statement.tables)).map(stringOf)[0];
    const fields: JsonObject = { ...common, database: { name: stringOf(resource.id) }, query_info: { query_string: stringOf(sql.text) } };
    if (table) fields.table = { name: table };
    return { classUid: DATASTORE_ACTIVITY, activityId: DATASTORE_ACTIVITY_BY_KIND[only] ?? 4, fields };
  }
  return {
    classUid: API_ACTIVITY,
    activityId: 2,
    fields: { ...common, api: { operation: 'Decide', service: { name: 'gatehouse.v1.DecisionService' } }, resources: [{ type: stringOf(resource.type), uid: stringOf(resource.id) }] },
  };
}

function token(data: JsonObject, subject: string): Mapped {
  const kind = stringOf(data.kind);
  const refused = kind === 'refused';
  const fields: JsonObject = {
    user: { uid: stringOf(data.subject) || subject },
    auth_protocol: 'Gatehouse scoped token',
    status_id: refused ? 2 : 1,
    status: refused ? 'Failure' : 'Success',
  };
  if (refused) fields.status_detail = stringOf(data.check) || listOf(data.reasons).map(stringOf).join('; ');
  return { classUid: AUTHENTICATION, activityId: kind === 'revoked' ? 2 : 1, fields };
}

function approval(data: JsonObject): Mapped {
  const kind = stringOf(data.kind);
  const binding = objectOf(data.binding);
  const resource = objectOf(binding.resource);
  const fields: JsonObject = {
    actor: { user: { uid: stringOf(data.reviewer) || stringOf(data.requestedBy) } },
    api: { operation: `approval.${kind}`, service: { name: 'gatehouse.v1.ApprovalService' } },
    resources: [{ type: stringOf(resource.type), uid: stringOf(resource.id) }],
  };
  if (kind === 'approved') fields.disposition_id = 8;
  if (kind === 'denied' || kind === 'expired') fields.disposition_id = 2;
  return { classUid: API_ACTIVITY, activityId: kind === 'requested' ? 1 : 3, fields };
}

function session(data: JsonObject): Mapped {
  const resource = objectOf(data.resource);
  if (stringOf(data.protocol) === 'ssh' && stringOf(data.kind) === 'command') {
    const effect = stringOf(data.effect);
    return {
      classUid: PROCESS_ACTIVITY,
      activityId: 1,
      fields: { ...outcome(effect), process: { cmd_line: stringOf(data.text) }, device: { name: stringOf(resource.id) } },
    };
  }
  // Session start/end, statements and terminal frames have no closer OCSF class: API Activity
  // "Other", with the Gatehouse data in unmapped.
  return {
    classUid: API_ACTIVITY,
    activityId: OTHER,
    fields: { api: { operation: `session.${stringOf(data.kind ?? data.event)}`, service: { name: stringOf(data.protocol) } }, resources: [{ type: stringOf(resource.type), uid: stringOf(resource.id) }] },
  };
}

function epochMillis(value: JsonValue | undefined): number {
  const millis = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(millis)) throw new Error(`time ${JSON.stringify(value)} is not an RFC 3339 timestamp`);
  return millis;
}

function stringOf(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function objectOf(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function listOf(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}
