import { errors } from 'jose';

/** Names the failed check for a jose verification error, so a deny says which check failed. */
export function classifyJoseError(error: unknown): { check: string; reason: string } {
  if (error instanceof errors.JWTExpired) return { check: 'expired', reason: 'the token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return { check: 'not_yet_valid', reason: 'the token is not yet valid (nbf)' };
      case 'iat':
        return { check: 'not_yet_valid', reason: 'the token was issued in the future (iat)' };
      case 'iss':
        return { check: 'issuer', reason: 'the token issuer is not trusted' };
      case 'aud':
        return { check: 'audience', reason: 'the token audience does not match' };
      case 'exp':
        return { check: 'expired', reason: 'the token has no valid expiry' };
      default:
        return { check: 'claims', reason: `claim ${error.claim} is invalid: ${error.reason}` };
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { check: 'algorithm', reason: 'the token algorithm is not allowed' };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { check: 'signature', reason: 'the token signature does not verify' };
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return { check: 'signature', reason: 'no trusted key matches the token (unknown kid)' };
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return { check: 'jwks', reason: `cannot load the issuer's keys: ${error.message}` };
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
    return { check: 'format', reason: `the token is malformed: ${error.message}` };
  }
  // fetch() failures (issuer down, DNS, TLS) surface as TypeError from the remote JWKS.
  if (error instanceof TypeError || (error instanceof Error && error.name === 'AbortError')) {
    return { check: 'jwks', reason: `cannot load the issuer's keys: ${error.message}` };
  }
  return { check: 'signature', reason: `the token did not verify: ${error instanceof Error ? error.message : String(error)}` };
}
