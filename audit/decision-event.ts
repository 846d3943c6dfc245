import type { Effect, Obligations } from '../engine/model/index.ts';
import type { JsonObject, JsonValue } from '../engine/model/index.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import type { AuditDraftOf, DecisionEventJson } from './audit-event.ts';
import { redactJson } from './redact-secrets.ts';

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
  const mask = maskNames(fields.obligations);
  const { value: input, paths } = redactJson(fields.input as unknown as JsonObject, { mask, maskWithin: 'context' });
  const data: DecisionEventJson = {
    schemaVersion: DECISION_SCHEMA_VERSION,
    decisionId: fields.decisionId,
    requestId: fields.requestId,
    sessionId: fields.sessionId ?? fields.input.sessionId ?? null,
    effect: fields.effect,
    reasons: fields.reasons.map((reason) => redactJson(reason).value),
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

/** The event subject and Kafka key: the session id, else the subject id. */
export function auditSubject(sessionId: string | undefined, subjectId: string): string {
  return sessionId !== undefined && sessionId !== '' ? sessionId : subjectId;
}

function maskNames(obligations: Obligations): string[] {
  const mask: JsonValue | undefined = obligations.mask;
  if (!Array.isArray(mask)) return [];
  return mask.filter((name): name is string => typeof name === 'string');
}
