import { identityClaimProblem } from '../identity/identity-form.ts';
import type { JWTPayload } from 'jose';
import type { JsonObject } from '../../model/index.ts';
import { isJsonObject } from '../../model/index.ts';

/**
 * The claims of a Gatehouse scoped token (docs/architecture.md "Scoped tokens"):
 * - `iss` the service's issuer name, `sub` the planner (OIDC subject that asked),
 * - `aud` the one resource it is for, as `Type:id`,
 * - `act` the executor as RFC 8693 `{ "sub": executor }` (absent: no executor named),
 * - `exp`/`nbf`/`iat`/`jti`, `actions`, `constraints`, `groups` (the planner's groups at
 *   issue, frozen), `max_uses` (absent: unlimited within the TTL).
 */
export interface ScopedTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  act?: { sub: string };
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  actions: string[];
  constraints: JsonObject;
  groups: string[];
  max_uses?: number;
}

/** Checks the shape of verified claims; returns the reason they are malformed, if they are. */
export function readScopedClaims(payload: JWTPayload): ScopedTokenClaims | string {
  const { iss, sub, aud, exp, nbf, iat, jti } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || sub === '') return 'claim sub is missing';
  if (typeof aud !== 'string' && !(Array.isArray(aud) && aud.length === 1 && typeof aud[0] === 'string')) {
    return 'claim aud must name exactly one resource';
  }
  if (typeof exp !== 'number' || typeof nbf !== 'number' || typeof iat !== 'number') return 'claims exp, nbf and iat are required';
  if (typeof jti !== 'string' || jti === '') return 'claim jti is missing';
  const actions = payload.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === 'string')) return 'claim actions is malformed';
  const constraints = payload.constraints ?? {};
  if (!isJsonObject(constraints)) return 'claim constraints is malformed';
  const groups = payload.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) return 'claim groups is malformed';
  const maxUses = payload.max_uses;
  if (maxUses !== undefined && !(Number.isInteger(maxUses) && (maxUses as number) >= 1)) return 'claim max_uses is malformed';
  const act = readActor(payload.act);
  if (act === null) return 'claim act is malformed';
  for (const [claim, value] of [['iss', iss], ['sub', sub], ...(act ? [['act.sub', act]] : []), ...groups.map((g) => ['groups', g as string])]) {
    const problem = identityClaimProblem(value!);
    if (problem) return `claim ${claim} ${problem}`;
  }
  return {
    iss,
    sub,
    aud: typeof aud === 'string' ? aud : aud[0]!,
    ...(act ? { act: { sub: act } } : {}),
    exp,
    nbf,
    iat,
    jti,
    actions: actions as string[],
    constraints: constraints as JsonObject,
    groups: groups as string[],
    ...(maxUses !== undefined ? { max_uses: maxUses as number } : {}),
  };
}

/** `act` as RFC 8693's object, or (for other issuers' habits) a plain string; null when malformed. */
function readActor(act: unknown): string | undefined | null {
  if (act === undefined) return undefined;
  if (typeof act === 'string' && act !== '') return act;
  if (isJsonObject(act as JsonObject) && typeof (act as { sub?: unknown }).sub === 'string') return (act as { sub: string }).sub;
  return null;
}
