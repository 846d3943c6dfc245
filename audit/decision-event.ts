import type { Effect, Obligations } from '../engine/model/index.ts';
import type { JsonObject, JsonValue } from '../engine/model/index.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import type { AuditDraftOf, DecisionEventJson } from './audit-event.ts';
import { redactJson, redactText } from './redact-secrets.ts';

/** Version of the decision event's `data` layout; replay refuses (counts as changed) any other. */
export const DECISION_SCHEMA_VERSION = 1;

export interface DecisionEventFields {
  decisionId: string;
  requestId: string;
  sessionId?: string;
  effect: Effect;
  reasons: string[];
  obligations: Obligations;
  policyRevision: string;
  /** Time spent in the engines (facts + policy evaluation), microseconds. */
  engineMicros: number;
  /** The evaluated input: verified token facts (never the raw token), service time, computed facts. */
  input: DecisionInput;
  /** Set when the decision required an approval or was allowed by an approval window. */
  approvalId?: string;
}

/**
 * The `gatehouse.decision.v1` draft for one answered decision. The input is recorded with
 * secrets redacted (redact-secrets.ts) and masked context values masked; the paths changed are
 * listed in `data.redactions` so replay knows which values it cannot see.
 */
export function decisionEventDraft(fields: DecisionEventFields): AuditDraftOf<'gatehouse.decision.v1'> {
  const { input, paths } = redactedInput(fields.input, maskNames(fields.obligations));
  const data: DecisionEventJson = {
    schemaVersion: DECISION_SCHEMA_VERSION,
    decisionId: fields.decisionId,
    requestId: fields.requestId,
    sessionId: fields.sessionId ?? fields.input.sessionId ?? null,
    effect: fields.effect,
    reasons: fields.reasons.map(redactReason),
    obligations: fields.obligations,
    policyRevision: fields.policyRevision,
    engineMicros: Math.round(fields.engineMicros),
    input,
    redactions: paths.map((path) => `input.${path}`),
  };
  if (fields.approvalId !== undefined) data.approvalId = fields.approvalId;
  return {
    type: 'gatehouse.decision.v1',
    subject: auditSubject(fields.sessionId ?? fields.input.sessionId, fields.input.subject.id),
    // The event time is the service clock the policy saw (input.time), not when the sink wrote it.
    time: fields.input.time,
    data,
  };
}

/**
 * Reasons are policy text: a few messages recur on almost every decision, so their redaction is
 * remembered (bounded; started afresh when full). A reason that echoes input is redacted like any
 * text; only the work is saved, never a result changed.
 */
const REASON_MEMO_LIMIT = 1024;
const reasonMemo = new Map<string, string>();

function redactReason(reason: string): string {
  let redacted = reasonMemo.get(reason);
  if (redacted === undefined) {
    if (reasonMemo.size >= REASON_MEMO_LIMIT) reasonMemo.clear();
    reasonMemo.set(reason, (redacted = redactText(reason)));
  }
  return redacted;
}

/** The event subject and Kafka key: the session id, else the subject id. */
export function auditSubject(sessionId: string | undefined, subjectId: string): string {
  return sessionId !== undefined && sessionId !== '' ? sessionId : subjectId;
}

/**
 * The input as recorded. Only what can hold caller-supplied text is redacted: the context (statement
 * and command text and their facts, tool arguments, headers, any other caller field), resource
 * attributes and subject claims, and any field this code does not know. The identifiers and
 * service-set fields (subject id, type and groups, action, resource type and id, time, session and
 * request ids, the verified token's ids, actions, resource and expiry) are names, not text, and
 * are recorded as they are: scanning them cost most of an event's redaction and never found anything.
 * Masks apply within the context only.
 */
function redactedInput(input: DecisionInput, mask: string[]): { input: JsonObject; paths: string[] } {
  const paths: string[] = [];
  const redact = (value: JsonValue, path: string, withMask?: string[]): JsonValue => {
    const result = redactJson(value, { mask: withMask, path });
    if (result.paths.length > 0) paths.push(...result.paths);
    return result.value;
  };
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(input as unknown as JsonObject)) {
    if (value === undefined) continue;
    if (RECORDED_AS_IS.has(key)) out[key] = value;
    else if ((key === 'subject' || key === 'resource' || key === 'token') && isObject(value)) {
      const part: JsonObject = {};
      for (const [name, field] of Object.entries(value)) {
        part[name] = IDENTIFIER_FIELDS[key].has(name) ? field : redact(field, `${key}.${name}`);
      }
      out[key] = part;
    } else out[key] = redact(value, key, key === 'context' ? mask : undefined);
  }
  return { input: out, paths };
}

/** Top-level input fields set by the service or holding verified facts. */
const RECORDED_AS_IS = new Set(['action', 'time', 'sessionId', 'requestId']);
/** Identifier fields of the subject, the resource and the token facts (the rest, e.g. claims, attributes, constraints, is redacted). */
const IDENTIFIER_FIELDS = {
  subject: new Set(['id', 'type', 'groups']),
  resource: new Set(['type', 'id']),
  token: new Set(['id', 'subject', 'executor', 'actions', 'resource', 'groups', 'maxUses', 'uses', 'expiresAt', 'kind']),
};

function isObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function maskNames(obligations: Obligations): string[] {
  const mask: JsonValue | undefined = obligations.mask;
  if (!Array.isArray(mask)) return [];
  return mask.filter((name): name is string => typeof name === 'string');
}
