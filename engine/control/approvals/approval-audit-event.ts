import type { ApprovalEventJson, AuditDraftOf } from '../../../audit/index.ts';
import { redactText } from '../../../audit/index.ts';
import type { ApprovalRecord } from '../state/state-store.ts';

export type ApprovalEventName = 'requested' | 'approved' | 'denied' | 'expired';

/**
 * One `gatehouse.approval.v1` event per state change, shaped as audit.proto's
 * ApprovalEventData (kind, approvalId, binding with the raw text redacted, reviewer, comment,
 * windowSeconds, expiresAt) plus the status, binding hash and the ids linking it to its
 * decision and token. Minted token claims never appear.
 */
export function approvalEventDraft(kind: ApprovalEventName, record: ApprovalRecord): AuditDraftOf<'gatehouse.approval.v1'> {
  const { binding } = record;
  const windowSeconds =
    record.windowUntil && record.resolvedAt ? Math.round((Date.parse(record.windowUntil) - Date.parse(record.resolvedAt)) / 1000) : 0;
  const text = redactText(binding.text);
  const data: ApprovalEventJson = {
    kind,
    approvalId: record.id,
    approvalKind: record.kind,
    status: record.status,
    binding: {
      subject: binding.subject,
      executor: binding.executor ?? '',
      action: binding.action,
      resource: { type: binding.resource.type, id: binding.resource.id },
      text,
    },
    // The hash covers the raw text: where a secret was redacted from it, the hash would let a
    // reader test password guesses offline, so it is left out (empty).
    bindingHash: text === binding.text && !record.textRedacted ? record.bindingHash : '',
    reviewer: record.reviewer ?? '',
    comment: redactText(record.comment ?? ''),
    windowSeconds,
    expiresAt: record.expiresAt,
    requestedBy: record.requestedBy,
    requestId: record.requestId ?? '',
    decisionId: record.decisionId ?? '',
    // Policies quote the command in their reasons: the same redaction as the binding's text.
    reasons: record.reasons.map(redactText),
  };
  if (record.resolvedAt) data.resolvedAt = record.resolvedAt;
  if (record.windowUntil) data.windowUntil = record.windowUntil;
  if (record.resolutionReason) data.resolutionReason = redactText(record.resolutionReason);
  if (record.token) data.tokenId = record.token.id;
  if (record.mintedClaims && typeof record.mintedClaims.jti === 'string') data.mintedTokenId = record.mintedClaims.jti;
  return { type: 'gatehouse.approval.v1', subject: record.sessionId || binding.subject, data };
}
