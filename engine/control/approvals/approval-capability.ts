import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Capabilities to await one approval without an identity credential: an HMAC of the approval id
 * under a service key. The data plane that got the require_approval answer holds it; knowing
 * or guessing an approval id is not enough. Replicas deriving the key from the same secret
 * accept each other's capabilities, so a held request survives a fail-over.
 */
export class ApprovalCapabilities {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('approval capability key must be at least 32 bytes');
  }

  issue(approvalId: string): string {
    return createHmac('sha256', this.key).update(`approval-capability:v1:${approvalId}`).digest('base64url');
  }

  /** Constant-time check of a presented capability. */
  verify(approvalId: string, presented: string): boolean {
    if (!approvalId || !presented) return false;
    const expected = Buffer.from(this.issue(approvalId));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
