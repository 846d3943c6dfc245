import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadHostKey } from '../../../dataplane/ssh/host-key.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-host-key-'));
  dirs.push(dir);
  return dir;
}

describe('loadHostKey', () => {
  it('proxies starting together all load one whole generated key, and one of them generated it', async () => {
    const dir = scratch();
    const path = join(dir, 'ssh-proxy', 'ssh_host_ed25519_key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadHostKey(undefined, path)));
    expect(new Set(keys.map((key) => key.fingerprint)).size).toBe(1);
    expect(keys.filter((key) => key.generated)).toHaveLength(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'ssh-proxy')).sort()).toEqual(['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub']);
    const again = await loadHostKey(undefined, path);
    expect(again).toMatchObject({ fingerprint: keys[0]!.fingerprint, generated: false });
  });

  it('an explicit --host-key is never generated: missing or not a key is a one-line error', async () => {
    const dir = scratch();
    await expect(loadHostKey(join(dir, 'missing'))).rejects.toThrow(/--host-key .*missing cannot be read: ENOENT/);
    writeFileSync(join(dir, 'junk'), 'not a key\n');
    await expect(loadHostKey(join(dir, 'junk'))).rejects.toThrow(/--host-key .*junk is not a private key ssh2 can use/);
  });
});
