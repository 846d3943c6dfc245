import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { GatehouseError, type JsonObject } from '../../model/index.ts';
import type { ResourceRef, Subject } from '../../model/index.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ScopedTokenClaims } from './scoped-token-claims.ts';
import type { SigningKeyRing } from './signing-key-ring.ts';
import { formatResourceRef } from '../../model/index.ts';
import { ConstraintError, validateConstraints } from './token-constraints.ts';

export interface IssueTokenParams {
  /** The planner: the authenticated caller of IssueToken. */
  subject: Subject;
  actions: string[];
  resource: ResourceRef;
  ttlSeconds: number;
  /** Absent or 0: unlimited uses within the TTL. */
  maxUses?: number;
  executor?: string;
  constraints?: JsonObject;
  now: Date;
}

export interface IssuedToken {
  token: string;
  tokenId: string;
  expiresAt: Date;
  claims: ScopedTokenClaims;
}

export class TokenRequestError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_TOKEN_REQUEST', message);
    this.name = 'TokenRequestError';
  }
}

const ACTION_PATTERN = /^[A-Za-z0-9_.:*-]+$/;

/** Builds, signs and records scoped tokens. Policy has already allowed the issue. */
export class TokenIssuer {
  constructor(
    private readonly options: { ring: SigningKeyRing; store: StateStore; issuer: string },
  ) {}

  get issuer(): string {
    return this.options.issuer;
  }

  /** Validates the request and returns the claims a token for it would carry (nothing signed yet). */
  buildClaims(params: IssueTokenParams): ScopedTokenClaims {
    const actions = [...new Set(params.actions)];
    if (actions.length === 0) throw new TokenRequestError('a token needs at least one action');
    for (const action of actions) if (!ACTION_PATTERN.test(action)) throw new TokenRequestError(`action '${action}' is malformed`);
    if (!params.resource.type || !params.resource.id) throw new TokenRequestError('a token needs a resource (Type:id)');
    const maxTtl = this.options.ring.maxTokenTtlMs / 1000;
    if (!Number.isInteger(params.ttlSeconds) || params.ttlSeconds < 1 || params.ttlSeconds > maxTtl) {
      throw new TokenRequestError(`ttl_seconds must be an integer from 1 to ${maxTtl}`);
    }
    const maxUses = params.maxUses === 0 ? undefined : params.maxUses;
    if (maxUses !== undefined && !(Number.isInteger(maxUses) && maxUses >= 1)) throw new TokenRequestError('max_uses must be a positive integer');
    let constraints: JsonObject;
    try {
      constraints = validateConstraints(params.constraints ?? {});
    } catch (error) {
      if (error instanceof ConstraintError) throw new TokenRequestError(error.message);
      throw error;
    }
    const iat = Math.floor(params.now.getTime() / 1000);
    return {
      iss: this.options.issuer,
      sub: params.subject.id,
      aud: formatResourceRef(params.resource),
      ...(params.executor ? { act: { sub: params.executor } } : {}),
      exp: iat + params.ttlSeconds,
      nbf: iat,
      iat,
      jti: randomUUID(),
      actions,
      constraints,
      groups: [...(params.subject.groups ?? [])],
      ...(maxUses !== undefined ? { max_uses: maxUses } : {}),
    };
  }

  /** Signs claims with the current key (also used to hand out a token minted on approval). */
  async sign(claims: ScopedTokenClaims): Promise<string> {
    const { kid, privateKey } = await this.options.ring.signingKey();
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .sign(privateKey);
  }

  /** Records the claims (for introspection and revocation by id) before the token exists anywhere. */
  async record(claims: ScopedTokenClaims): Promise<void> {
    await this.options.store.recordIssuedToken({
      id: claims.jti,
      subject: claims.sub,
      ...(claims.act ? { executor: claims.act.sub } : {}),
      issuedAt: new Date(claims.iat * 1000).toISOString(),
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      ...(claims.max_uses !== undefined ? { maxUses: claims.max_uses } : {}),
      claims: { ...claims },
    });
  }

  async issue(params: IssueTokenParams): Promise<IssuedToken> {
    const claims = this.buildClaims(params);
    await this.record(claims);
    return { token: await this.sign(claims), tokenId: claims.jti, expiresAt: new Date(claims.exp * 1000), claims };
  }
}
