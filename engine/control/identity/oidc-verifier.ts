import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { GatehouseError, type JsonObject } from '../../model/index.ts';
import type { Subject } from '../../model/index.ts';
import { identityClaimProblem } from './identity-form.ts';
import { classifyJoseError } from './jose-error-check.ts';

/** Asymmetric algorithms only: `none` and HMAC (where a public key could be used as the secret) never verify. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface OidcVerifierOptions {
  /** `--oidc-issuer`: must equal the token's `iss`; discovery is fetched from it unless `jwks` is set. */
  issuer: string;
  /** `--oidc-audience`: must be among the token's `aud`. */
  audience: string;
  /** `--oidc-jwks`: an https/http URL or a file holding a JWKS document; skips discovery. */
  jwks?: string;
  /** `--oidc-groups-claim`: a claim name or dotted path; default `groups`. */
  groupsClaim?: string;
  /** Allowed clock skew for exp/nbf/iat, seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** Minimum time between JWKS fetches triggered by an unknown `kid`, ms. Default 30 s. */
  jwksCooldownMs?: number;
  /** Timeout for discovery and JWKS fetches, ms. Default 5 s. */
  fetchTimeoutMs?: number;
}

export interface VerifiedIdentity {
  subject: Subject;
  claims: JWTPayload;
  expiresAt: Date;
}

/** An OIDC credential that did not verify; `check` names which check failed. The gRPC edge maps it to UNAUTHENTICATED. */
export class OidcVerificationError extends GatehouseError {
  constructor(
    readonly check: string,
    readonly reason: string,
  ) {
    super('GATEHOUSE_OIDC_INVALID', `OIDC token rejected (${check}): ${reason}`);
    this.name = 'OidcVerificationError';
  }
}

/** Verifies OIDC JWTs from one issuer against its published keys. */
export class OidcVerifier {
  private keySet: Promise<JWTVerifyGetKey> | undefined;
  private readonly groupsClaim: string;

  constructor(private readonly options: OidcVerifierOptions) {
    if (!options.issuer) throw new OidcVerificationError('config', '--oidc-issuer is required');
    if (!options.audience) throw new OidcVerificationError('config', '--oidc-audience is required');
    this.groupsClaim = options.groupsClaim ?? 'groups';
  }

  get issuer(): string {
    return this.options.issuer;
  }

  async verify(token: string, now: Date = new Date()): Promise<VerifiedIdentity> {
    if (!token) throw new OidcVerificationError('missing', 'no credential was presented');
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new OidcVerificationError('format', 'the credential is not a JWS compact JWT');
    }
    if (typeof alg !== 'string' || !OIDC_ALGORITHMS.includes(alg)) {
      throw new OidcVerificationError('algorithm', `algorithm '${String(alg)}' is not allowed (asymmetric algorithms only)`);
    }
    const keys = await this.keys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: OIDC_ALGORITHMS,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        currentDate: now,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      const { check, reason } = classifyJoseError(error);
      throw new OidcVerificationError(check, reason);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new OidcVerificationError('claims', 'claim sub is missing');
    const groups = this.readGroups(payload);
    // Identities are compared in one verified form; a claim that is not in it is refused, not repaired.
    for (const [claim, value] of [['iss', String(payload.iss)], ['sub', payload.sub], ...groups.map((g) => [this.groupsClaim, g])] as const) {
      const problem = identityClaimProblem(value);
      if (problem) throw new OidcVerificationError('claims', `claim ${claim} ${problem}`);
    }
    return {
      subject: { id: payload.sub, type: 'User', groups, claims: publicClaims(payload) },
      claims: payload,
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    };
  }

  private readGroups(payload: JWTPayload): string[] {
    let value: unknown = payload;
    for (const part of this.groupsClaim.split('.')) {
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
    return [];
  }

  private keys(): Promise<JWTVerifyGetKey> {
    // Memoised; a failed discovery is retried on the next call rather than cached.
    this.keySet ??= this.resolveKeys().catch((error: unknown) => {
      this.keySet = undefined;
      throw error instanceof OidcVerificationError
        ? error
        : new OidcVerificationError('jwks', `cannot load the issuer's keys: ${(error as Error).message}`);
    });
    return this.keySet;
  }

  private async resolveKeys(): Promise<JWTVerifyGetKey> {
    const source = this.options.jwks ?? (await this.discoverJwksUri());
    if (/^https?:\/\//.test(source)) {
      return createRemoteJWKSet(new URL(source), {
        cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: this.options.fetchTimeoutMs ?? 5_000,
      });
    }
    const document: unknown = JSON.parse(await readFile(source, 'utf8'));
    if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
      throw new OidcVerificationError('jwks', `${source} is not a JWKS document ({"keys": [...]})`);
    }
    return createLocalJWKSet(document as { keys: [] });
  }

  private async discoverJwksUri(): Promise<string> {
    const url = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5_000), redirect: 'error' });
    if (!response.ok) throw new OidcVerificationError('discovery', `${url} answered HTTP ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== this.options.issuer) {
      throw new OidcVerificationError('discovery', `discovery document names issuer '${String(metadata.issuer)}', expected '${this.options.issuer}'`);
    }
    if (typeof metadata.jwks_uri !== 'string') throw new OidcVerificationError('discovery', `${url} has no jwks_uri`);
    return metadata.jwks_uri;
  }
}

/** Claims passed to policy as subject.claims: JSON values only, without the signature-relevant noise. */
function publicClaims(payload: JWTPayload): JsonObject {
  return JSON.parse(JSON.stringify(payload)) as JsonObject;
}
