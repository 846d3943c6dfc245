import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import type { TokenCheck, TokenCheckRequest, TokenGate } from '../../decision/index.ts';
import type { ResourceRef, TokenFacts } from '../../model/index.ts';
import { classifyJoseError } from '../identity/jose-error-check.ts';
import { OidcVerificationError, type OidcVerifier } from '../identity/oidc-verifier.ts';
import type { StateStore } from '../state/state-store.ts';
import { readScopedClaims, type ScopedTokenClaims } from './scoped-token-claims.ts';
import type { SigningKeyRing } from './signing-key-ring.ts';
import { formatResourceRef, parseResourceRef } from '../../model/index.ts';
import { findConstraintViolation } from './token-constraints.ts';
import { VerifiedTokenCache } from './verified-token-cache.ts';

const SCOPED_ALGORITHMS = ['EdDSA', 'Ed25519'];
/** Replicas sign and verify with their own clocks; a few seconds of skew, no more (the TTL is the planner's). */
const SCOPED_CLOCK_TOLERANCE_SECONDS = 5;

export interface ScopedTokenGateOptions {
  ring: SigningKeyRing;
  store: StateStore;
  /** `iss` of the service's own tokens. */
  issuer: string;
  /** When set, an OIDC JWT from this issuer is accepted as a bearer identity (no scope checks). */
  oidc?: OidcVerifier;
  /**
   * Distinct tokens whose signature check is remembered (verified-token-cache.ts); default
   * 10 000, 0 verifies every signature on every call.
   */
  verifiedTokenCacheSize?: number;
}

type Failure = Extract<TokenCheck, { ok: false }>;

/**
 * The TokenGate of the decision pipeline: every check a scoped token must pass before any
 * policy runs (signature, time window, audience = resource, action scope, constraints,
 * revocation, uses), each failure naming its check.
 */
export class ScopedTokenGate implements TokenGate {
  readonly #verified: VerifiedTokenCache;

  constructor(private readonly options: ScopedTokenGateOptions) {
    this.#verified = new VerifiedTokenCache(options.verifiedTokenCacheSize);
  }

  async check(raw: string, request: TokenCheckRequest): Promise<TokenCheck> {
    const cacheKey = VerifiedTokenCache.keyOf(raw);
    // A hit is a token that passed every check below up to the signature with these exact
    // bytes (issuer and algorithms are fixed per gate), so decoding it again would decide nothing.
    let claims = await this.#fromCache(cacheKey, request.now);
    if (!claims) {
      let header: { alg?: unknown; kid?: unknown };
      let unverified: JWTPayload;
      try {
        header = decodeProtectedHeader(raw);
        unverified = decodeJwt(raw);
      } catch {
        return fail('format', 'the token is not a JWS compact JWT');
      }
      const oidc = this.options.oidc;
      if (unverified.iss !== this.options.issuer) {
        if (oidc && unverified.iss === oidc.issuer) return this.checkOidc(raw, request);
        return fail('issuer', `issuer '${String(unverified.iss)}' is not trusted`);
      }
      if (typeof header.alg !== 'string' || !SCOPED_ALGORITHMS.includes(header.alg)) {
        return fail('algorithm', `algorithm '${String(header.alg)}' is not allowed for scoped tokens (EdDSA only)`);
      }
      const verified = await this.verifySignature(raw, request.now, cacheKey);
      if ('check' in verified) return verified;
      claims = verified;
    }

    const expected = formatResourceRef(request.resource);
    if (claims.aud !== expected) return fail('audience', `the token is for ${claims.aud}, not ${expected}`);
    if (!claims.actions.includes(request.action)) {
      return fail('action', `action ${request.action} is outside the token's scope [${claims.actions.join(', ')}]`);
    }
    if (!isConnect(request.action)) {
      const violation = findConstraintViolation(claims.constraints, request.context);
      if (violation) return fail('constraints', violation);
    }
    const revoked = await this.options.store.findRevocation({ id: claims.jti, subject: claims.sub, issuedAt: new Date(claims.iat * 1000) });
    if (revoked) return fail('revoked', revoked);
    const uses = await this.options.store.getTokenUses(claims.jti);
    if (claims.max_uses !== undefined && uses >= claims.max_uses) {
      return fail('uses', `the token's ${claims.max_uses} use(s) are spent`);
    }
    return {
      ok: true,
      token: toFacts(claims, request.resource, uses),
      subject: { id: claims.sub, type: 'User', groups: claims.groups },
    };
  }

  async consumeUse(token: TokenFacts, requestId: string): Promise<{ ok: true; uses: number } | { ok: false; reason: string }> {
    // An OIDC JWT is an identity, not a budget: nothing to count.
    if (token.kind === 'oidc') return { ok: true, uses: 0 };
    if (!requestId) return { ok: false, reason: 'a request_id is required to consume a token use' };
    const result = await this.options.store.consumeTokenUse({
      tokenId: token.id,
      requestId,
      ...(token.maxUses !== undefined ? { maxUses: token.maxUses } : {}),
      expiresAt: new Date(token.expiresAt),
    });
    if (!result.ok) return { ok: false, reason: `the token's ${token.maxUses} use(s) are spent` };
    return { ok: true, uses: result.uses };
  }

  /**
   * Checks a token again when an approval releases its request: still within its lifetime,
   * not revoked, uses not over the limit (the held request's own use was counted when decided).
   */
  async recheck(token: TokenFacts, now: Date): Promise<{ ok: true } | Failure> {
    if (token.kind === 'oidc') {
      return Date.parse(token.expiresAt) > now.getTime() ? { ok: true } : fail('expired', 'the credential has expired');
    }
    if (Date.parse(token.expiresAt) <= now.getTime()) return fail('expired', 'the token expired while waiting for approval');
    const issued = await this.options.store.getIssuedToken(token.id);
    // Unknown issue time: any revocation of the subject applies (fail closed).
    const issuedAt = issued ? new Date(issued.issuedAt) : new Date(0);
    const revoked = await this.options.store.findRevocation({ id: token.id, subject: token.subject, issuedAt });
    if (revoked) return fail('revoked', revoked);
    const uses = await this.options.store.getTokenUses(token.id);
    if (token.maxUses !== undefined && uses > token.maxUses) return fail('uses', `the token's ${token.maxUses} use(s) are spent`);
    return { ok: true };
  }

  /** Verifies one of our own tokens without a request (IntrospectToken). */
  async verify(raw: string, now: Date): Promise<ScopedTokenClaims | Failure> {
    let unverified: JWTPayload;
    try {
      decodeProtectedHeader(raw);
      unverified = decodeJwt(raw);
    } catch {
      return fail('format', 'the token is not a JWS compact JWT');
    }
    if (unverified.iss !== this.options.issuer) return fail('issuer', `issuer '${String(unverified.iss)}' is not this service`);
    const cacheKey = VerifiedTokenCache.keyOf(raw);
    return (await this.#fromCache(cacheKey, now)) ?? this.verifySignature(raw, now, cacheKey);
  }

  /**
   * The claims of a token whose signature verified before, when that is still as good as
   * verifying it now: the ring still trusts the very key it verified with (a retired, expired or
   * rotated-out key misses) and jose's time checks (same tolerance, same arithmetic) pass. On a
   * time failure it misses, so the full verification reports the exact failure as before.
   */
  async #fromCache(cacheKey: string, now: Date): Promise<ScopedTokenClaims | undefined> {
    const entry = this.#verified.get(cacheKey);
    if (!entry) return undefined;
    if ((await this.options.ring.verificationKey(entry.kid)) !== entry.key) {
      this.#verified.delete(cacheKey);
      return undefined;
    }
    const seconds = Math.floor(now.getTime() / 1000);
    if (entry.claims.exp <= seconds - SCOPED_CLOCK_TOLERANCE_SECONDS) {
      this.#verified.delete(cacheKey);
      return undefined;
    }
    if (entry.claims.nbf > seconds + SCOPED_CLOCK_TOLERANCE_SECONDS) return undefined;
    return entry.claims;
  }

  private async verifySignature(raw: string, now: Date, cacheKey: string): Promise<ScopedTokenClaims | Failure> {
    let payload: JWTPayload;
    let used: { kid: string; key: CryptoKey } | undefined;
    try {
      ({ payload } = await jwtVerify(
        raw,
        async (header) => {
          const key = typeof header.kid === 'string' ? await this.options.ring.verificationKey(header.kid) : undefined;
          if (!key) throw new errors.JWKSNoMatchingKey();
          used = { kid: header.kid as string, key };
          return key;
        },
        {
          issuer: this.options.issuer,
          algorithms: SCOPED_ALGORITHMS,
          clockTolerance: SCOPED_CLOCK_TOLERANCE_SECONDS,
          currentDate: now,
          requiredClaims: ['exp', 'nbf', 'iat', 'jti', 'sub', 'aud'],
        },
      ));
    } catch (error) {
      const { check, reason } = classifyJoseError(error);
      return fail(check, reason);
    }
    const claims = readScopedClaims(payload);
    if (typeof claims === 'string') return fail('claims', claims);
    if (used) this.#verified.set(cacheKey, used.kid, used.key, claims);
    return claims;
  }

  private async checkOidc(raw: string, request: TokenCheckRequest): Promise<TokenCheck> {
    try {
      const identity = await this.options.oidc!.verify(raw, request.now);
      const { claims } = identity;
      return {
        ok: true,
        subject: identity.subject,
        token: {
          // OIDC tokens need not carry a jti; a digest names the credential without revealing it.
          id: typeof claims.jti === 'string' ? claims.jti : `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`,
          subject: identity.subject.id,
          actions: [],
          resource: { type: request.resource.type, id: request.resource.id },
          constraints: {},
          ...(identity.subject.groups ? { groups: identity.subject.groups } : {}),
          expiresAt: identity.expiresAt.toISOString(),
          kind: 'oidc',
        },
      };
    } catch (error) {
      if (error instanceof OidcVerificationError) return fail(error.check, error.reason);
      return fail('oidc', `cannot verify the OIDC token: ${(error as Error).message}`);
    }
  }
}

export function toFacts(claims: ScopedTokenClaims, resource: ResourceRef | undefined, uses: number): TokenFacts {
  return {
    id: claims.jti,
    subject: claims.sub,
    ...(claims.act ? { executor: claims.act.sub } : {}),
    actions: claims.actions,
    resource: resource ? { type: resource.type, id: resource.id } : safeParse(claims.aud),
    constraints: claims.constraints,
    groups: claims.groups,
    ...(claims.max_uses !== undefined ? { maxUses: claims.max_uses } : {}),
    uses,
    expiresAt: new Date(claims.exp * 1000).toISOString(),
    kind: 'gatehouse',
  };
}

function safeParse(aud: string): ResourceRef {
  try {
    return parseResourceRef(aud);
  } catch {
    return { type: '', id: aud };
  }
}

function isConnect(action: string): boolean {
  return action.endsWith('.connect');
}

function fail(check: string, reason: string): Failure {
  return { ok: false, check, reason };
}
