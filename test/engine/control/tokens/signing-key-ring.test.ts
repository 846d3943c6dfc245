import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { KeyEncryptionKey } from '../../../../engine/control/tokens/key-encryption-key.ts';
import { openTokenAuthority } from '../../../../engine/control/tokens/token-authority.ts';

const orders = { type: 'Database', id: 'orders' };
const HOUR = 3600_000;

describe('signing keys', () => {
  it('rotate on schedule; a token signed by the old key verifies until it expires', async () => {
    let now = new Date('2026-11-25T10:00:00Z');
    const store = new MemoryStateStore();
    const authority = await openTokenAuthority({ store, rotateAfterMs: HOUR, maxTokenTtlMs: HOUR, clock: () => now });
    const old = await authority.issuer.issue({ subject: { id: 'p' }, actions: ['db.query'], resource: orders, ttlSeconds: 3600, now });
    const oldKid = authority.ring.jwks().keys[0]!.kid;

    now = new Date(now.getTime() + HOUR + 60_000);
    const fresh = await authority.issuer.issue({ subject: { id: 'p' }, actions: ['db.query'], resource: orders, ttlSeconds: 60, now });
    const kids = authority.ring.jwks().keys.map((k) => k.kid);
    expect(kids).toHaveLength(2);
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[0]!, 'base64url').toString()).kid).not.toBe(oldKid);

    const request = { action: 'db.query', resource: orders, context: {} };
    // The old token was issued just before rotation and is still valid: it verifies.
    expect((await authority.gate.check(old.token, { ...request, now: new Date(old.expiresAt.getTime() - 30_000) })).ok).toBe(true);
    // Past the old key's verification period it is gone from the JWKS.
    now = new Date(now.getTime() + 2 * HOUR);
    await authority.ring.retireExpired();
    expect(authority.ring.jwks().keys.map((k) => k.kid)).not.toContain(oldKid);
    authority.close();
  });

  it('are stored only encrypted; another process with the KEK signs on; a wrong KEK is refused', async () => {
    const store = new MemoryStateStore();
    const kek = KeyEncryptionKey.fromText(randomBytes(32).toString('base64'), 'test');
    const a = await openTokenAuthority({ store, kek });
    const [stored] = await store.listSigningKeys();
    expect(JSON.stringify(stored)).not.toMatch(/"d"\s*:/);
    expect(stored!.encryptedPrivateKey).toMatch(/^gh1\./);

    const b = await openTokenAuthority({ store, kek });
    const issued = await b.issuer.issue({ subject: { id: 'p' }, actions: ['db.query'], resource: orders, ttlSeconds: 60, now: new Date() });
    expect((await a.gate.check(issued.token, { action: 'db.query', resource: orders, context: {}, now: new Date() })).ok).toBe(true);

    const wrong = KeyEncryptionKey.fromText(randomBytes(32).toString('hex'), 'wrong');
    await expect(openTokenAuthority({ store, kek: wrong })).rejects.toThrow(/wrong key-encryption key/);
    const tampered = { ...stored!, kid: 'moved' };
    expect(() => kek.open(tampered.encryptedPrivateKey, tampered.kid)).toThrow(/tampered/);
    a.close();
    b.close();
  });

  it('a stored key record whose public key was swapped for another is refused, so the swapped-in key never verifies', async () => {
    const kek = KeyEncryptionKey.fromText(randomBytes(32).toString('base64'), 'test');
    const original = new MemoryStateStore();
    const a = await openTokenAuthority({ store: original, kek });
    const [stored] = await original.listSigningKeys();
    const { publicKey } = await generateKeyPair('Ed25519', { extractable: true });
    const attackerJwk = await exportJWK(publicKey);
    const tamperedStore = new MemoryStateStore();
    await tamperedStore.putSigningKey({ ...stored!, publicJwk: { kty: attackerJwk.kty!, crv: attackerJwk.crv!, x: attackerJwk.x! } });
    await expect(openTokenAuthority({ store: tamperedStore, kek })).rejects.toThrow(/does not match its encrypted private key/);
    a.close();
  });

  it('a key envelope with a truncated GCM tag is refused as malformed', () => {
    const kek = KeyEncryptionKey.fromText(randomBytes(32).toString('base64'), 'test');
    const [version, nonce, ciphertext, tag] = kek.seal(Buffer.from('secret'), 'kid-1').split('.');
    const truncated = [version, nonce, ciphertext, Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url')].join('.');
    expect(() => kek.open(truncated, 'kid-1')).toThrow(/malformed/);
  });

  it('the KEK comes from --kek-file or GATEHOUSE_KEK and must be 32 bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-kek-'));
    const file = join(dir, 'kek');
    await writeFile(file, randomBytes(32));
    expect((await KeyEncryptionKey.fromConfig({ file, env: {} }))?.origin).toBe(`file ${file}`);
    expect((await KeyEncryptionKey.fromConfig({ env: { GATEHOUSE_KEK: randomBytes(32).toString('hex') } }))?.origin).toBe('GATEHOUSE_KEK');
    expect(await KeyEncryptionKey.fromConfig({ env: {} })).toBeUndefined();
    await expect(KeyEncryptionKey.fromConfig({ env: { GATEHOUSE_KEK: 'short' } })).rejects.toThrow(/32 bytes/);
  });

  it('the memory store logs that keys live only as long as the process', async () => {
    const lines: string[] = [];
    const authority = await openTokenAuthority({ store: new MemoryStateStore(), log: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/only as long as this process/);
    authority.close();
  });
});
