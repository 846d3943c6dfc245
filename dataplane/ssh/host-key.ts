import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { fingerprintOf } from './known-hosts.ts';
import { SshProxyError } from './ssh-proxy-error.ts';

/** Where the generated host key is kept when --host-key is not given (var/ is git-ignored). */
export const DEFAULT_HOST_KEY_PATH = 'var/ssh-proxy/ssh_host_ed25519_key';

export interface HostKey {
  privateKey: Buffer;
  /** SHA256 fingerprint clients will see, for the startup log. */
  fingerprint: string;
  path: string;
  generated: boolean;
}

/**
 * The proxy's own host key. An explicit --host-key must exist and parse. Without it the key
 * at DEFAULT_HOST_KEY_PATH is used, generated once (ed25519, mode 0600) so clients that pinned
 * the proxy keep trusting it across restarts.
 */
export async function loadHostKey(explicitPath: string | undefined, defaultPath = DEFAULT_HOST_KEY_PATH): Promise<HostKey> {
  const path = explicitPath ?? defaultPath;
  let generated = false;
  if (explicitPath === undefined && !existsSync(path)) generated = await generateHostKey(path);
  let privateKey: Buffer;
  try {
    privateKey = await readFile(path);
  } catch (error) {
    throw new SshProxyError(`--host-key ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (explicitPath === undefined) await chmod(path, 0o600).catch(() => undefined);
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new SshProxyError(`--host-key ${path} is not a private key ssh2 can use: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) throw new SshProxyError(`--host-key ${path} holds no private key`);
  return { privateKey, fingerprint: fingerprintOf(key.getPublicSSH()), path, generated };
}

/**
 * Writes a new key beside `path` and links it into place: the key appears whole or not at all,
 * so a proxy starting at the same moment never reads a half-written file, and the first one
 * linked wins (link never replaces). False when another proxy's key got there first.
 */
async function generateHostKey(path: string): Promise<boolean> {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'gatehouse-ssh-proxy' });
  const staged = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(staged, pair.private, { mode: 0o600, flag: 'wx' });
    await link(staged, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new SshProxyError(`cannot write the host key ${path}: ${code ?? String(error)}`);
  } finally {
    await unlink(staged).catch(() => undefined);
  }
  await writeFile(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 }).catch(() => undefined);
  return true;
}
