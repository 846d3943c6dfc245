import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCheckRequest } from '../../../../engine/decision/decision-hooks.ts';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { openTokenAuthority, type TokenAuthority } from '../../../../engine/control/tokens/token-authority.ts';
import { VerifiedTokenCache } from '../../../../engine/control/tokens/verified-token-cache.ts';
import { tamperedToken } from './forged-tokens.ts';

// The gate remembers verified signatures per exact token; these cases check that a second
// call with the same token still applies every check that can change between calls.
let store: MemoryStateStore;
let ringNow: Date;
let authority: TokenAuthority;
const orders = { type: 'Database', id: 'orders' };

beforeAll(async () => {
  store = new MemoryStateStore();
  ringNow = new Date();
  authority = await openTokenAuthority({ store, clock: () => ringNow });
});
afterAll(() => authority.close());

function request(now: Date, action = 'db.query'): TokenCheckRequest {
  return { action, resource: orders, context: { sql: { text: 'SELECT 1', statements: [{ kind: 'select', tables: [], hasWhere: false }] } }, now };
}

async function issue(ttlSeconds = 300, maxUses?: number, subject = 'planner-cache'): Promise<{ token: string; tokenId: string; expiresAt: Date }> {
  const issued = await authority.issuer.issue({
    subject: { id: subject, groups: ['dba'] },
    actions: ['db.query'],
    resource: orders,
    ttlSeconds,
    ...(maxUses !== undefined ? { maxUses } : {}),
    executor: 'agent',
    now: new Date(),
  });
  return { token: issued.token, tokenId: issued.tokenId, expiresAt: new Date(issued.expiresAt) };
}

describe('verified token cache in the scoped token gate', () => {
  it('the same token checked twice passes twice with the same facts', async () => {
    const { token } = await issue();
    const first = await authority.gate.check(token, request(new Date()));
    const second = await authority.gate.check(token, request(new Date()));
    expect(first.ok && second.ok).toBe(true);
    if (first.ok && second.ok) expect(second.token).toEqual(first.token);
  });

  it('a cached token revoked after its first check is denied as revoked', async () => {
    const { token, tokenId, expiresAt } = await issue();
    expect((await authority.gate.check(token, request(new Date()))).ok).toBe(true);
    await store.revokeToken(tokenId, expiresAt, new Date());
    const again = await authority.gate.check(token, request(new Date()));
    expect(again.ok ? 'ok' : again.check).toBe('revoked');
  });

  it('a cached token whose uses are spent is denied as uses', async () => {
    const { token } = await issue(300, 1);
    const first = await authority.gate.check(token, request(new Date()));
    if (!first.ok) throw new Error(first.reason);
    expect((await authority.gate.consumeUse(first.token, 'req-1')).ok).toBe(true);
    const again = await authority.gate.check(token, request(new Date()));
    expect(again.ok ? 'ok' : again.check).toBe('uses');
  });

  it('a cached token past its expiry is denied as expired, and before nbf as not_yet_valid', async () => {
    const { token, expiresAt } = await issue(60);
    expect((await authority.gate.check(token, request(new Date()))).ok).toBe(true);
    const late = await authority.gate.check(token, request(new Date(expiresAt.getTime() + 60_000)));
    expect(late.ok ? 'ok' : late.check).toBe('expired');
    const { token: other } = await issue(60);
    expect((await authority.gate.check(other, request(new Date()))).ok).toBe(true);
    const early = await authority.gate.check(other, request(new Date(Date.now() - 3600_000)));
    expect(early.ok ? 'ok' : early.check).toBe('not_yet_valid');
  });

  it('a cached token is still checked for scope: another action is denied as action', async () => {
    const { token } = await issue();
    expect((await authority.gate.check(token, request(new Date()))).ok).toBe(true);
    const other = await authority.gate.check(token, request(new Date(), 'db.admin'));
    expect(other.ok ? 'ok' : other.check).toBe('action');
  });

  it('a cached token whose signing key the ring no longer trusts is denied as signature', async () => {
    const isolatedStore = new MemoryStateStore();
    let clock = new Date();
    const isolated = await openTokenAuthority({ store: isolatedStore, clock: () => clock });
    try {
      const issued = await isolated.issuer.issue({ subject: { id: 'p', groups: [] }, actions: ['db.query'], resource: orders, ttlSeconds: 300, executor: 'a', now: new Date() });
      const now = new Date();
      expect((await isolated.gate.check(issued.token, request(now))).ok).toBe(true);
      // The ring's clock passes the key's verification period: the key is retired.
      clock = new Date(Date.now() + 72 * 3600_000);
      const after = await isolated.gate.check(issued.token, request(now));
      expect(after.ok ? 'ok' : after.check).toBe('signature');
    } finally {
      isolated.close();
    }
  });

  it('a tampered copy of a cached token is still rejected (the cache is keyed on the exact bytes)', async () => {
    const { token } = await issue();
    expect((await authority.gate.check(token, request(new Date()))).ok).toBe(true);
    const forged = await authority.gate.check(tamperedToken(token, { sub: 'mallory' }), request(new Date()));
    expect(forged.ok).toBe(false);
  });

  it('the cache evicts the least recently used entry at its bound and never stores the raw token', () => {
    const cache = new VerifiedTokenCache(2);
    const claims = { iss: 'g', sub: 's', aud: 'Database:x', exp: 2, nbf: 1, iat: 1, jti: 'j', actions: [], constraints: {}, groups: [] };
    const key = {} as never;
    cache.set(VerifiedTokenCache.keyOf('a.b.c'), 'k', key, claims as never);
    cache.set(VerifiedTokenCache.keyOf('d.e.f'), 'k', key, claims as never);
    cache.get(VerifiedTokenCache.keyOf('a.b.c'));
    cache.set(VerifiedTokenCache.keyOf('g.h.i'), 'k', key, claims as never);
    expect(cache.size).toBe(2);
    expect(cache.get(VerifiedTokenCache.keyOf('d.e.f'))).toBeUndefined();
    expect(cache.get(VerifiedTokenCache.keyOf('a.b.c'))?.claims.jti).toBe('j');
    expect(VerifiedTokenCache.keyOf('a.b.c')).not.toContain('a.b.c');
  });
});
