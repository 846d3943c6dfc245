import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCheckRequest } from '../../../../engine/decision/decision-hooks.ts';
import { OidcVerifier } from '../../../../engine/control/identity/oidc-verifier.ts';
import type { JsonObject } from '../../../../engine/model/index.ts';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { openTokenAuthority, type TokenAuthority } from '../../../../engine/control/tokens/token-authority.ts';
import type { IssueTokenParams } from '../../../../engine/control/tokens/token-issuer.ts';
import { decodePayload, hmacToken, tamperedToken, unsignedToken } from './forged-tokens.ts';
import { OidcTestIssuer } from './oidc-test-issuer.ts';

let idp: OidcTestIssuer;
let store: MemoryStateStore;
let authority: TokenAuthority;

beforeAll(async () => {
  idp = await OidcTestIssuer.start();
  store = new MemoryStateStore();
  authority = await openTokenAuthority({ store, oidc: new OidcVerifier({ issuer: idp.issuer, audience: idp.audience }) });
});
afterAll(async () => {
  authority.close();
  await idp.close();
});

const orders = { type: 'Database', id: 'orders' };

function params(overrides: Partial<IssueTokenParams> = {}): IssueTokenParams {
  return {
    subject: { id: 'planner-1', groups: ['dba'] },
    actions: ['db.query', 'db.connect'],
    resource: orders,
    ttlSeconds: 300,
    maxUses: 5,
    executor: 'agent-7',
    now: new Date(),
    ...overrides,
  };
}

function request(overrides: Partial<TokenCheckRequest> = {}, sql = 'SELECT id FROM orders'): TokenCheckRequest {
  return {
    action: 'db.query',
    resource: orders,
    context: { sql: { text: sql, statements: [{ kind: 'select', tables: ['orders'], hasWhere: false }] } },
    now: new Date(),
    ...overrides,
  };
}

async function failedCheck(raw: string, req: TokenCheckRequest = request()): Promise<{ check: string; reason: string }> {
  const result = await authority.gate.check(raw, req);
  if (result.ok) throw new Error('expected the token check to fail');
  return result;
}

describe('scoped tokens: issue and check', () => {
  it('an issued token carries the documented claims and passes every check', async () => {
    const issued = await authority.issuer.issue(params());
    const claims = decodePayload(issued.token);
    expect(claims).toMatchObject({
      iss: 'gatehouse',
      sub: 'planner-1',
      aud: 'Database:orders',
      act: { sub: 'agent-7' },
      actions: ['db.query', 'db.connect'],
      groups: ['dba'],
      max_uses: 5,
      jti: issued.tokenId,
    });
    const header = JSON.parse(Buffer.from(issued.token.split('.')[0]!, 'base64url').toString('utf8')) as { alg: string; kid: string };
    expect(header.alg).toBe('EdDSA');
    expect(authority.ring.jwks().keys.map((k) => k.kid)).toContain(header.kid);
    const result = await authority.gate.check(issued.token, request());
    expect(result).toMatchObject({
      ok: true,
      subject: { id: 'planner-1', groups: ['dba'] },
      token: { id: issued.tokenId, subject: 'planner-1', executor: 'agent-7', maxUses: 5, uses: 0, resource: orders, kind: 'gatehouse' },
    });
  });

  it('alg none is denied as algorithm', async () => {
    const claims = decodePayload((await authority.issuer.issue(params())).token);
    expect((await failedCheck(unsignedToken({ alg: 'none' }, claims))).check).toBe('algorithm');
  });

  it('HS256 with the service public key as secret is denied as algorithm', async () => {
    const claims = decodePayload((await authority.issuer.issue(params())).token);
    const jwk = authority.ring.jwks().keys[0]!;
    expect((await failedCheck(hmacToken({ kid: jwk.kid }, claims, JSON.stringify(jwk)))).check).toBe('algorithm');
  });

  it('a token signed by another Ed25519 key under our kid is denied as signature', async () => {
    const issued = await authority.issuer.issue(params());
    const kid = authority.ring.jwks().keys[0]!.kid as string;
    const { privateKey } = await generateKeyPair('Ed25519');
    const forged = await new SignJWT(decodePayload(issued.token)).setProtectedHeader({ alg: 'EdDSA', kid }).sign(privateKey);
    const failure = await failedCheck(forged);
    expect(failure.check).toBe('signature');
  });

  it('a token signed by an unknown key id is denied as signature', async () => {
    const issued = await authority.issuer.issue(params());
    const { privateKey } = await generateKeyPair('Ed25519');
    const forged = await new SignJWT(decodePayload(issued.token)).setProtectedHeader({ alg: 'EdDSA', kid: 'attacker' }).sign(privateKey);
    expect((await failedCheck(forged)).check).toBe('signature');
  });

  it('tampered claims (wider actions) are denied as signature', async () => {
    const issued = await authority.issuer.issue(params({ actions: ['db.query'] }));
    const forged = tamperedToken(issued.token, { actions: ['db.query', 'db.admin'] });
    expect((await failedCheck(forged, request({ action: 'db.admin' }))).check).toBe('signature');
  });

  it('an expired token is denied as expired', async () => {
    const issued = await authority.issuer.issue(params({ ttlSeconds: 60 }));
    expect((await failedCheck(issued.token, request({ now: new Date(Date.now() + 120_000) }))).check).toBe('expired');
  });

  it('a token not yet valid is denied as not_yet_valid', async () => {
    const issued = await authority.issuer.issue(params({ now: new Date(Date.now() + 600_000) }));
    expect((await failedCheck(issued.token)).check).toBe('not_yet_valid');
  });

  it('a token for resource A presented on resource B is denied as audience', async () => {
    const issued = await authority.issuer.issue(params());
    const failure = await failedCheck(issued.token, request({ resource: { type: 'Database', id: 'billing' } }));
    expect(failure).toEqual({ ok: false, check: 'audience', reason: 'the token is for Database:orders, not Database:billing' });
  });

  it('a token from another issuer is denied as issuer', async () => {
    const issued = await authority.issuer.issue(params());
    const forged = tamperedToken(issued.token, { iss: 'someone-else' });
    expect((await failedCheck(forged)).check).toBe('issuer');
  });

  it('an action outside the scope is denied as action', async () => {
    const issued = await authority.issuer.issue(params({ actions: ['db.connect'] }));
    const failure = await failedCheck(issued.token);
    expect(failure.check).toBe('action');
    expect(failure.reason).toContain('db.query');
  });

  it('a revoked token is denied as revoked; revoking a subject revokes its earlier tokens', async () => {
    const one = await authority.issuer.issue(params());
    await store.revokeToken(one.tokenId, one.expiresAt, new Date());
    expect((await failedCheck(one.token)).check).toBe('revoked');

    const two = await authority.issuer.issue(params({ subject: { id: 'planner-2' } }));
    await store.revokeSubject('planner-2', new Date());
    expect((await failedCheck(two.token)).check).toBe('revoked');
  });

  it('past max_uses the token is denied as uses; a retried request id consumes nothing', async () => {
    const issued = await authority.issuer.issue(params({ maxUses: 2 }));
    const ok = await authority.gate.check(issued.token, request());
    if (!ok.ok) throw new Error(ok.reason);
    expect(await authority.gate.consumeUse(ok.token, 'req-1')).toEqual({ ok: true, uses: 1 });
    expect(await authority.gate.consumeUse(ok.token, 'req-1')).toEqual({ ok: true, uses: 1 });
    expect(await authority.gate.consumeUse(ok.token, 'req-2')).toEqual({ ok: true, uses: 2 });
    expect(await authority.gate.consumeUse(ok.token, 'req-3')).toMatchObject({ ok: false });
    expect((await failedCheck(issued.token)).check).toBe('uses');
  });

  it('50 concurrent redemptions of a 1-use token: exactly one succeeds', async () => {
    const issued = await authority.issuer.issue(params({ maxUses: 1 }));
    const ok = await authority.gate.check(issued.token, request());
    if (!ok.ok) throw new Error(ok.reason);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => authority.gate.consumeUse(ok.token, `concurrent-${i}`)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('*.connect is checked without constraints; the token stays valid', async () => {
    const issued = await authority.issuer.issue(params({ constraints: { sqlKinds: ['select'] } }));
    const result = await authority.gate.check(issued.token, request({ action: 'db.connect', context: {} }));
    expect(result.ok).toBe(true);
  });

  it('an OIDC JWT from the configured issuer is accepted as identity, without scope checks', async () => {
    const result = await authority.gate.check(await idp.token('alice', { groups: ['dba'] }), request());
    expect(result).toMatchObject({ ok: true, subject: { id: 'alice', groups: ['dba'] }, token: { kind: 'oidc', subject: 'alice' } });
    if (result.ok) expect(await authority.gate.consumeUse(result.token, 'r')).toEqual({ ok: true, uses: 0 });
  });

  it('issuing refuses unknown constraints and out-of-range TTLs', async () => {
    await expect(authority.issuer.issue(params({ constraints: { sqlWhatever: 'x' } }))).rejects.toThrow(/unknown constraint/);
    await expect(authority.issuer.issue(params({ ttlSeconds: 0 }))).rejects.toThrow(/ttl_seconds/);
    await expect(authority.issuer.issue(params({ actions: [] }))).rejects.toThrow(/at least one action/);
  });
});

describe('scoped tokens: constraints against computed facts', () => {
  const del = (text: string, kind = 'delete'): JsonObject => ({ sql: { text, statements: [{ kind, tables: ['users'], hasWhere: true }] } });

  it('sqlText matches the exact text, ignoring only surrounding whitespace', async () => {
    const issued = await authority.issuer.issue(params({ maxUses: undefined, constraints: { sqlText: 'DELETE FROM users WHERE id = 7' } }));
    expect((await authority.gate.check(issued.token, request({ context: del('  DELETE FROM users WHERE id = 7\n') }))).ok).toBe(true);
  });

  it('sqlText denies a statement differing only in a literal (no fingerprinting)', async () => {
    const issued = await authority.issuer.issue(params({ constraints: { sqlText: 'DELETE FROM users WHERE id = 7' } }));
    const failure = await failedCheck(issued.token, request({ context: del('DELETE FROM users WHERE id = 8') }));
    expect(failure.check).toBe('constraints');
  });

  it('sqlText denies inner whitespace or case changes and a request without text', async () => {
    const issued = await authority.issuer.issue(params({ constraints: { sqlText: 'DELETE FROM users WHERE id = 7' } }));
    expect((await failedCheck(issued.token, request({ context: del('DELETE  FROM users WHERE id = 7') }))).check).toBe('constraints');
    expect((await failedCheck(issued.token, request({ context: del('delete from users where id = 7') }))).check).toBe('constraints');
    expect((await failedCheck(issued.token, request({ context: {} }))).check).toBe('constraints');
  });

  it('sqlKinds allows listed kinds and denies others', async () => {
    const issued = await authority.issuer.issue(params({ constraints: { sqlKinds: ['select'] } }));
    expect((await authority.gate.check(issued.token, request())).ok).toBe(true);
    const failure = await failedCheck(issued.token, request({ context: del('DELETE FROM users WHERE id = 1') }));
    expect(failure).toMatchObject({ check: 'constraints', reason: expect.stringContaining("'delete'") });
  });

  it('sqlKinds denies SQL that did not parse', async () => {
    const issued = await authority.issuer.issue(params({ constraints: { sqlKinds: ['select'] } }));
    const context = { sql: { text: 'SELEC x', statements: [], parseError: 'syntax error' } };
    expect((await failedCheck(issued.token, request({ context }))).check).toBe('constraints');
  });

  it('argvPrefix allows matching commands and denies others and dynamic ones', async () => {
    const issued = await authority.issuer.issue(params({ resource: { type: 'Host', id: 'web-1' }, actions: ['ssh.exec'], constraints: { argvPrefix: ['systemctl', 'status'] } }));
    const host = { type: 'Host', id: 'web-1' };
    const cmd = (commands: JsonObject[]): JsonObject => ({ command: { text: 'x', commands } });
    const ok = await authority.gate.check(issued.token, request({ action: 'ssh.exec', resource: host, context: cmd([{ argv: ['systemctl', 'status', 'nginx'], dynamic: false }]) }));
    expect(ok.ok).toBe(true);
    const piped = cmd([{ argv: ['systemctl', 'status', 'nginx'], dynamic: false }, { argv: ['rm', '-rf', '/'], dynamic: false }]);
    expect((await failedCheck(issued.token, request({ action: 'ssh.exec', resource: host, context: piped }))).check).toBe('constraints');
    const dynamic = cmd([{ argv: ['systemctl', 'status'], dynamic: true }]);
    expect((await failedCheck(issued.token, request({ action: 'ssh.exec', resource: host, context: dynamic }))).check).toBe('constraints');
  });
});
