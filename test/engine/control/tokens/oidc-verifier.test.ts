import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcVerificationError, OidcVerifier } from '../../../../engine/control/identity/oidc-verifier.ts';
import { hmacToken, tamperedToken, unsignedToken } from './forged-tokens.ts';
import { OidcTestIssuer } from './oidc-test-issuer.ts';

let idp: OidcTestIssuer;
let verifier: OidcVerifier;

beforeAll(async () => {
  idp = await OidcTestIssuer.start();
  verifier = new OidcVerifier({ issuer: idp.issuer, audience: idp.audience });
});
afterAll(async () => idp.close());

async function rejection(token: string, v: OidcVerifier = verifier, now?: Date): Promise<OidcVerificationError> {
  const error = await v.verify(token, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OidcVerificationError);
  return error as OidcVerificationError;
}

describe('OIDC verifier (discovery + JWKS over HTTP)', () => {
  it('a token signed by the issuer (RS256) verifies and yields subject and groups', async () => {
    const identity = await verifier.verify(await idp.token('alice', { groups: ['dba', 'reviewers'] }));
    expect(identity.subject).toMatchObject({ id: 'alice', type: 'User', groups: ['dba', 'reviewers'] });
  });

  it('an ES256 token verifies too', async () => {
    const identity = await verifier.verify(await idp.token('bob', { kid: 'es256-2' }));
    expect(identity.subject.id).toBe('bob');
  });

  it('groups come from a configured nested claim', async () => {
    const nested = new OidcVerifier({ issuer: idp.issuer, audience: idp.audience, groupsClaim: 'realm.roles' });
    const identity = await nested.verify(await idp.token('carol', { claims: { realm: { roles: ['ops'] } } }));
    expect(identity.subject.groups).toEqual(['ops']);
  });

  it('alg none is refused as algorithm', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = unsignedToken({ alg: 'none' }, { iss: idp.issuer, aud: idp.audience, sub: 'mallory', exp: now + 60 });
    expect((await rejection(token)).check).toBe('algorithm');
  });

  it('HS256 signed with the public key as secret is refused as algorithm', async () => {
    const now = Math.floor(Date.now() / 1000);
    const secret = JSON.stringify(idp.publicJwk('rs256-1'));
    const token = hmacToken({ kid: 'rs256-1' }, { iss: idp.issuer, aud: idp.audience, sub: 'mallory', exp: now + 60 }, secret);
    expect((await rejection(token)).check).toBe('algorithm');
  });

  it('a token signed by another key under a known kid is refused as signature', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rs256-1' })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await rejection(token)).check).toBe('signature');
  });

  it('an expired token is refused as expired, beyond the 30 s skew', async () => {
    const token = await idp.token('alice', { ttlSeconds: 60 });
    expect((await rejection(token, verifier, new Date(Date.now() + 120_000))).check).toBe('expired');
    // Within the skew it still verifies.
    await expect(verifier.verify(token, new Date(Date.now() + 75_000))).resolves.toBeDefined();
  });

  it('a token not yet valid is refused as not_yet_valid', async () => {
    const token = await idp.token('alice');
    expect((await rejection(token, verifier, new Date(Date.now() - 120_000))).check).toBe('not_yet_valid');
  });

  it('a wrong audience is refused as audience', async () => {
    const other = new OidcVerifier({ issuer: idp.issuer, audience: 'someone-else' });
    expect((await rejection(await idp.token('alice'), other)).check).toBe('audience');
  });

  it('a wrong issuer is refused as issuer', async () => {
    const token = await idp.token('alice', { claims: { iss: 'https://evil.example' } });
    expect((await rejection(token)).check).toBe('issuer');
  });

  it('tampered claims are refused as signature', async () => {
    const token = tamperedToken(await idp.token('alice', { groups: [] }), { groups: ['admins'] });
    expect((await rejection(token)).check).toBe('signature');
  });

  it('a key added after the first fetch is found by refetching on the unknown kid', async () => {
    const fresh = new OidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwksCooldownMs: 0 });
    await fresh.verify(await idp.token('alice'));
    const kid = await idp.addKey('PS256');
    const before = idp.jwksRequests;
    await expect(fresh.verify(await idp.token('dave', { kid }))).resolves.toMatchObject({ subject: { id: 'dave' } });
    expect(idp.jwksRequests).toBe(before + 1);
  });

  it('an unknown kid within the cooldown does not refetch (rate limit) and is refused as signature', async () => {
    const limited = new OidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwksCooldownMs: 3_600_000 });
    await limited.verify(await idp.token('alice'));
    const before = idp.jwksRequests;
    const { privateKey } = await generateKeyPair('ES256');
    const stranger = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'nobody-knows' })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    for (let i = 0; i < 5; i++) expect((await rejection(stranger, limited)).check).toBe('signature');
    expect(idp.jwksRequests).toBe(before);
  });

  it('--oidc-jwks FILE verifies without discovery', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-jwks-'));
    const file = join(dir, 'jwks.json');
    await writeFile(file, JSON.stringify(idp.jwks()));
    const fromFile = new OidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwks: file });
    await expect(fromFile.verify(await idp.token('erin'))).resolves.toMatchObject({ subject: { id: 'erin' } });
  });

  it('an issuer that is down is refused as jwks/discovery, never accepted', async () => {
    const down = new OidcVerifier({ issuer: 'http://127.0.0.1:9', audience: idp.audience, fetchTimeoutMs: 2000 });
    const error = await rejection(await idp.token('alice'), down);
    expect(['jwks', 'discovery']).toContain(error.check);
  });
});

describe('OIDC verifier with --oidc-jwks URL', () => {
  it('an unreachable JWKS URL is refused as jwks, never accepted', async () => {
    const down = new OidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwks: 'http://127.0.0.1:9/jwks', fetchTimeoutMs: 2000 });
    const error = await down.verify(await idp.token('alice')).then(
      () => undefined,
      (e: unknown) => e as OidcVerificationError,
    );
    expect(error?.check).toBe('jwks');
  });
});
