import type { Long } from '@grpc/proto-loader';
import type { JsonObject } from '../engine/model/index.ts';
import type { ApprovalEventData } from './generated/gatehouse/v1/ApprovalEventData.ts';
import type { DecisionEventData } from './generated/gatehouse/v1/DecisionEventData.ts';
import type { SessionEventData } from './generated/gatehouse/v1/SessionEventData.ts';
import type { TokenEventData } from './generated/gatehouse/v1/TokenEventData.ts';
import type { Struct } from './generated/google/protobuf/Struct.ts';

/**
 * The `data` of each audit event type, as the JSON the producers write: the proto3 JSON mapping
 * of the message audit.proto declares for it, derived from the generated types so that a field
 * added to, or re-typed in, audit.proto changes what the producers may write. Field names are
 * lowerCamelCase; a Struct is a JSON object; a 64-bit integer is a JSON number (the values fit);
 * any field may be null (proto3 JSON reads null as the default); absent fields are defaults.
 */
export type ProtoJson<Message> = {
  [Field in keyof Message as LowerCamelCase<Field & string>]?: FieldJson<Exclude<Message[Field], undefined>> | null;
};

type LowerCamelCase<Name extends string> = Name extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<LowerCamelCase<Tail>>}` : Name;

/** The JSON of one field, from the generated (input) type of that field. */
type FieldJson<Value> = [Long] extends [Value]
  ? number
  : [Value] extends [Struct | null]
    ? JsonObject
    : [Value] extends [readonly (infer Item)[]]
      ? FieldJson<Item>[]
      : [Value] extends [string | number | boolean]
        ? Value
        : ProtoJson<Exclude<Value, null>>;

/** `gatehouse.decision.v1` data (DecisionEventData). */
export type DecisionEventJson = ProtoJson<DecisionEventData>;
/** `gatehouse.token.v1` data (TokenEventData). */
export type TokenEventJson = ProtoJson<TokenEventData>;
/** `gatehouse.approval.v1` data (ApprovalEventData). */
export type ApprovalEventJson = ProtoJson<ApprovalEventData>;
/** `gatehouse.session.v1` data (SessionEventData). */
export type SessionEventJson = ProtoJson<SessionEventData>;

/** Each audit event type and the message its `data` is. */
export interface AuditEventJsonByType {
  'gatehouse.decision.v1': DecisionEventJson;
  'gatehouse.token.v1': TokenEventJson;
  'gatehouse.approval.v1': ApprovalEventJson;
  'gatehouse.session.v1': SessionEventJson;
}

/** The audit.proto message of each event type, by its fully-qualified name. */
export const AUDIT_EVENT_MESSAGES: Record<keyof AuditEventJsonByType, string> = {
  'gatehouse.decision.v1': 'gatehouse.v1.DecisionEventData',
  'gatehouse.token.v1': 'gatehouse.v1.TokenEventData',
  'gatehouse.approval.v1': 'gatehouse.v1.ApprovalEventData',
  'gatehouse.session.v1': 'gatehouse.v1.SessionEventData',
};
