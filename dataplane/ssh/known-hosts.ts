import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SshProxyError } from './ssh-proxy-error.ts';

interface KnownHostEntry {
  patterns: string[];
  /** `|1|salt|hash` hashed host name (OpenSSH HashKnownHosts). */
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
  revoked: boolean;
  line: number;
}

/**
 * The upstream host's pinned keys, read from an OpenSSH known_hosts file. Gatehouse never
 * trusts a host key on first use: a host with no entry, or whose key matches no entry, is
 * refused with a message naming the fingerprint it presented. `@revoked` lines refuse their
 * key; `@cert-authority` lines are not supported (ssh2 has no certificate support) and are
 * ignored, so a host known only through a CA is refused.
 */
export class KnownHosts {
  private constructor(private readonly entries: KnownHostEntry[]) {}

  static parse(text: string, file: string): KnownHosts {
    const entries: KnownHostEntry[] = [];
    text.split('\n').forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const fields = line.split(/\s+/);
      let revoked = false;
      if (fields[0]!.startsWith('@')) {
        const marker = fields.shift()!;
        if (marker === '@cert-authority') return;
        if (marker !== '@revoked') throw new SshProxyError(`${file}:${index + 1}: unknown marker ${marker}`);
        revoked = true;
      }
      if (fields.length < 3) throw new SshProxyError(`${file}:${index + 1}: expected "hosts key-type base64-key"`);
      const [hosts, keyType, base64] = fields as [string, string, string];
      const key = Buffer.from(base64, 'base64');
      if (key.length === 0) throw new SshProxyError(`${file}:${index + 1}: the key is not base64`);
      const entry: KnownHostEntry = { patterns: [], keyType, key, revoked, line: index + 1 };
      if (hosts.startsWith('|1|')) {
        const [, , salt, hash] = hosts.split('|');
        entry.hashed = { salt: Buffer.from(salt ?? '', 'base64'), hash: Buffer.from(hash ?? '', 'base64') };
      } else entry.patterns = hosts.split(',');
      entries.push(entry);
    });
    return new KnownHosts(entries);
  }

  /** Key types pinned for the host, so the client negotiates a key it can check. */
  keyTypes(host: string, port: number): string[] {
    const types = this.forHost(host, port)
      .filter((e) => !e.revoked)
      .map((e) => e.keyType);
    // An RSA key is offered under the rsa-sha2 signature names too.
    return [...new Set(types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t])))];
  }

  /** Why the presented key is not acceptable, or undefined when it is pinned for the host. */
  check(host: string, port: number, presented: Buffer): string | undefined {
    const entries = this.forHost(host, port);
    const fingerprint = fingerprintOf(presented);
    if (entries.some((e) => e.revoked && equal(e.key, presented))) return `the host key ${fingerprint} of ${hostName(host, port)} is marked @revoked`;
    const pinned = entries.filter((e) => !e.revoked);
    if (pinned.length === 0) return `${hostName(host, port)} is not in the known_hosts file (it presented ${fingerprint}); add its key, Gatehouse never trusts on first use`;
    if (!pinned.some((e) => equal(e.key, presented))) {
      return `HOST KEY MISMATCH for ${hostName(host, port)}: it presented ${fingerprint}, which is not the pinned key (known_hosts line ${pinned.map((e) => e.line).join(', ')}); refusing to connect`;
    }
    return undefined;
  }

  private forHost(host: string, port: number): KnownHostEntry[] {
    const name = hostName(host, port);
    return this.entries.filter((entry) => (entry.hashed ? hashedMatch(entry.hashed, name) : patternsMatch(entry.patterns, name)));
  }
}

/** OpenSSH spells non-default ports as `[host]:port`. */
function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function hashedMatch(hashed: { salt: Buffer; hash: Buffer }, name: string): boolean {
  const mac = createHmac('sha1', hashed.salt).update(name).digest();
  return equal(mac, hashed.hash);
}

function patternsMatch(patterns: string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (globMatch(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern.toLowerCase() === name.toLowerCase();
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
