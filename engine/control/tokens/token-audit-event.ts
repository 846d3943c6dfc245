import type { AuditDraftOf, TokenEventJson } from '../../../audit/index.ts';
import { redactText } from '../../../audit/index.ts';
import type { ScopedTokenClaims } from './scoped-token-claims.ts';

export type TokenEventName = 'issued' | 'refused' | 'revoked';

/**
 * A `gatehouse.token.v1` event shaped as audit.proto's TokenEventData. Built from verified or
 * freshly minted claims, never from the signed token.
 */
export function tokenEventDraft(
  kind: TokenEventName,
  fields: {
    claims?: ScopedTokenClaims;
    subject: string;
    tokenId?: string;
    check?: string;
    reasons?: string[];
    approvalId?: string;
    requestedBy?: string;
    revokedSubject?: string;
  },
): AuditDraftOf<'gatehouse.token.v1'> {
  const { claims } = fields;
  const data: TokenEventJson = {
    kind,
    tokenId: claims?.jti ?? fields.tokenId ?? '',
    subject: claims?.sub ?? fields.subject,
    executor: claims?.act?.sub ?? '',
    actions: claims?.actions ?? [],
    resource: claims?.aud ?? '',
    expiresAt: claims ? new Date(claims.exp * 1000).toISOString() : '',
    maxUses: claims?.max_uses ?? 0,
    uses: 0,
    check: fields.check ?? '',
    approvalId: fields.approvalId ?? '',
  };
  if (claims) data.constraints = claims.constraints;
  // Policy reasons may quote request text: redacted like every other recorded string.
  if (fields.reasons) data.reasons = fields.reasons.map(redactText);
  if (fields.requestedBy) data.requestedBy = fields.requestedBy;
  if (fields.revokedSubject) data.revokedSubject = fields.revokedSubject;
  return { type: 'gatehouse.token.v1', subject: fields.subject, data };
}
