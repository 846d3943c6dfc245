import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { KnownHosts } from '../../../dataplane/ssh/known-hosts.ts';

function newKey(): { blob: Buffer; base64: string } {
  const parsed = ssh2.utils.parseKey(ssh2.utils.generateKeyPairSync('ed25519').public);
  if (parsed instanceof Error) throw parsed;
  const blob = parsed.getPublicSSH();
  return { blob, base64: blob.toString('base64') };
}

describe('KnownHosts', () => {
  const a = newKey();
  const b = newKey();

  it('a pinned key for [host]:port is accepted; another key is a HOST KEY MISMATCH naming the fingerprint', () => {
    const known = KnownHosts.parse(`[127.0.0.1]:2200 ssh-ed25519 ${a.base64}\n`, 'kh');
    expect(known.check('127.0.0.1', 2200, a.blob)).toBeUndefined();
    expect(known.check('127.0.0.1', 2200, b.blob)).toMatch(/^HOST KEY MISMATCH for \[127\.0\.0\.1\]:2200: it presented SHA256:/);
    expect(known.keyTypes('127.0.0.1', 2200)).toEqual(['ssh-ed25519']);
  });

  it('a host with no entry is refused (never trusted on first use); port 22 uses the bare host name', () => {
    const known = KnownHosts.parse(`web-1,10.0.0.5 ssh-ed25519 ${a.base64}\n`, 'kh');
    expect(known.check('10.0.0.5', 22, a.blob)).toBeUndefined();
    expect(known.check('10.0.0.5', 2222, a.blob)).toMatch(/not in the known_hosts file.*never trusts on first use/);
  });

  it('hashed host names (HashKnownHosts) match', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[db.internal]:2022').digest();
    const known = KnownHosts.parse(`|1|${salt.toString('base64')}|${hash.toString('base64')} ssh-ed25519 ${a.base64}\n`, 'kh');
    expect(known.check('db.internal', 2022, a.blob)).toBeUndefined();
    expect(known.check('db.internal', 22, a.blob)).toMatch(/not in the known_hosts/);
  });

  it('wildcards match and a negated pattern excludes', () => {
    const known = KnownHosts.parse(`*.prod.internal,!bad.prod.internal ssh-ed25519 ${a.base64}\n`, 'kh');
    expect(known.check('web.prod.internal', 22, a.blob)).toBeUndefined();
    expect(known.check('bad.prod.internal', 22, a.blob)).toMatch(/not in the known_hosts/);
  });

  it('@revoked refuses that key even when another line pins it', () => {
    const known = KnownHosts.parse(`host ssh-ed25519 ${a.base64}\n@revoked host ssh-ed25519 ${a.base64}\n`, 'kh');
    expect(known.check('host', 22, a.blob)).toMatch(/@revoked/);
  });

  it('a malformed line is an error naming file and line', () => {
    expect(() => KnownHosts.parse('# comment\nonly-two fields\n', 'kh')).toThrow(/^kh:2: /);
  });
});
