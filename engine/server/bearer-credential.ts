import type { Metadata } from '@grpc/grpc-js';
import type { Subject } from '../model/index.ts';
import { OidcVerificationError, type OidcVerifier } from '../control/index.ts';

/**
 * The caller of TokenService/ApprovalService: `authorization: Bearer <OIDC JWT>` metadata,
 * verified against the configured issuer. Throws OidcVerificationError (→ UNAUTHENTICATED).
 */
export async function authenticateCaller(metadata: Metadata, verifier: OidcVerifier | undefined, now: Date): Promise<Subject> {
  const credential = bearerCredential(metadata);
  if (credential === undefined) throw new OidcVerificationError('missing', 'authorization metadata with a Bearer OIDC token is required');
  if (!verifier) throw new OidcVerificationError('config', 'this service has no OIDC issuer configured (--oidc-issuer)');
  return (await verifier.verify(credential, now)).subject;
}

/** The bearer credential, if the call carries one; a malformed header is refused, not ignored. */
export function bearerCredential(metadata: Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new OidcVerificationError('format', 'more than one authorization header');
  const match = /^Bearer +(\S+)\s*$/i.exec(String(values[0]));
  if (!match) throw new OidcVerificationError('format', 'authorization metadata must be "Bearer <token>"');
  return match[1]!;
}
