import type { AuditEventDraft } from '../../audit/audit-event.ts';
import type { JsonObject } from '../model/json.ts';
import type { ApprovalRecord } from '../state/state-store.ts';

export type ApprovalEventName = 'requested' | 'approved' | 'denied' | 'expired';

/**
 * One `gatehouse.approval.v1` event per state change. It names the binding by its hash and
 * parts but not the raw text (the decision event that required the approval holds the
 * redacted input); minted token claims are never included.
 */
export function approvalEventDraft(event: ApprovalEventName, record: ApprovalRecord): AuditEventDraft {
  const data: JsonObject = {
    event,
    approvalId: record.id,
    kind: record.kind,
    status: record.status,
    bindingHash: record.bindingHash,
    subject: record.binding.subject,
    executor: record.binding.executor ?? '',
    action: record.binding.action,
    resource: { type: record.binding.resource.type, id: record.binding.resource.id },
    requestedBy: record.requestedBy,
    requestId: record.requestId ?? '',
    decisionId: record.decisionId ?? '',
    reasons: record.reasons,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
  if (record.resolvedAt) data.resolvedAt = record.resolvedAt;
  if (record.reviewer) data.reviewer = record.reviewer;
  if (record.comment) data.comment = record.comment;
  if (record.windowUntil) data.windowUntil = record.windowUntil;
  if (record.resolutionReason) data.resolutionReason = record.resolutionReason;
  if (record.token) data.tokenId = record.token.id;
  return { type: 'gatehouse.approval.v1', subject: record.sessionId || record.binding.subject, data };
}
