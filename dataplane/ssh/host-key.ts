import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
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
export async function loadHostKey(explicitPath: string | undefined): Promise<HostKey> {
  const path = explicitPath ?? DEFAULT_HOST_KEY_PATH;
  let generated = false;
  if (explicitPath === undefined && !existsSync(path)) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'gatehouse-ssh-proxy' });
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, pair.private, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
      // Another proxy generated it first; use that one.
      if (error.code !== 'EEXIST') throw new SshProxyError(`cannot write the host key ${path}: ${error.code ?? error.message}`);
    });
    await writeFile(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 }).catch(() => undefined);
    generated = true;
  }
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
