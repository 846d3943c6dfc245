import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleFiles, readBundleArchive, writeBundleArchive } from '../../../engine/bundle/bundle-archive.ts';
import { BundleError } from '../../../engine/bundle/bundle-error.ts';
import { canonicalJson, hashBundleFile, readKeyFile, signBundleFiles, verifyBundleFiles } from '../../../engine/bundle/bundle-signature.ts';
import { findOpa } from '../../../engine/evaluation/toolchain/opa-cli.ts';

const run = promisify(execFile);
const enc = new TextEncoder();
let dir: string;

/** Runs opa's own bundle verification on a tarball; resolves to opa's exit code and stderr. */
async function opaVerifies(bundle: string, publicKey: string, alg: string): Promise<{ ok: boolean; stderr: string }> {
  try {
    await run(findOpa(), ['build', '-b', bundle, '--verification-key', publicKey, '--signing-alg', alg, '-o', join(dir, 'opa-out.tar.gz')]);
    return { ok: true, stderr: '' };
  } catch (error) {
    // opa prints load errors on stdout or stderr depending on the command; keep both.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return { ok: false, stderr: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

async function keyPair(type: 'rsa' | 'ec' | 'ed25519'): Promise<{ privatePem: string; publicPem: string }> {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const privatePem = join(dir, `${type}.pem`);
  const publicPem = join(dir, `${type}.pub.pem`);
  await writeFile(privatePem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(publicPem, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePem, publicPem };
}

let wasm: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-sig-'));
  await writeFile(join(dir, 'p.rego'), 'package gatehouse\n\ndecision := {"effect": "allow"}\n');
  await run(findOpa(), ['build', '-t', 'wasm', '-e', 'gatehouse/decision', '-o', join(dir, 'opa.tar.gz'), join(dir, 'p.rego')]);
  // Our reader must also read a tarball written by opa itself.
  wasm = readBundleArchive(await readFile(join(dir, 'opa.tar.gz'))).get('policy.wasm')!;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleFiles(): BundleFiles {
  return new Map<string, Uint8Array>([
    ['.manifest', enc.encode(JSON.stringify({ revision: 'r1', roots: [''], wasm: [{ entrypoint: 'gatehouse/decision', module: '/policy.wasm' }], metadata: { gatehouse: { z: 1, a: '<&>' } } }))],
    ['data.json', enc.encode('{"zeta":{"b":2,"a":"<x> & \\u2028"},"alpha":[3,1]}')],
    ['policy.wasm', wasm],
    ['cedar/rbac.cedar', enc.encode('permit(principal, action, resource);\n')],
    ['tests/basic.yaml', enc.encode('now: "2026-11-25T10:00:00Z"\ncases: []\n')],
  ]);
}

describe('bundle signatures in OPA format', () => {
  for (const [type, alg] of [['rsa', 'RS256'], ['ec', 'ES256'], ['ed25519', 'EdDSA']] as const) {
    it(`${type} key: a bundle we sign is verified by the real opa (${alg}) and by us`, async () => {
      const { privatePem, publicPem } = await keyPair(type);
      const files = sampleFiles();
      files.set('.signatures.json', await signBundleFiles(files, await readKeyFile(privatePem, 'signing')));
      const path = join(dir, `signed-${type}.tar.gz`);
      await writeFile(path, writeBundleArchive(files));

      expect(await opaVerifies(path, publicPem, alg)).toEqual({ ok: true, stderr: '' });
      await expect(verifyBundleFiles(readBundleArchive(await readFile(path)), await readKeyFile(publicPem, 'verification'))).resolves.toBeUndefined();
    });
  }

  it('a file changed after signing is refused by opa and by us', async () => {
    const { privatePem, publicPem } = await keyPair('rsa');
    const files = sampleFiles();
    files.set('.signatures.json', await signBundleFiles(files, await readKeyFile(privatePem, 'signing')));
    files.set('cedar/rbac.cedar', enc.encode('permit(principal, action, resource) when { true };\n'));
    const path = join(dir, 'tampered.tar.gz');
    await writeFile(path, writeBundleArchive(files));

    const opa = await opaVerifies(path, publicPem, 'RS256');
    expect(opa.ok).toBe(false);
    expect(opa.stderr).toContain('digest mismatch');
    await expect(verifyBundleFiles(files, await readKeyFile(publicPem, 'verification'))).rejects.toThrow(/cedar\/rbac.cedar does not match its signed digest/);
  });

  it('a file added after signing is refused', async () => {
    const { privatePem, publicPem } = await keyPair('rsa');
    const files = sampleFiles();
    files.set('.signatures.json', await signBundleFiles(files, await readKeyFile(privatePem, 'signing')));
    files.set('cedar/extra.cedar', enc.encode('permit(principal, action, resource);\n'));
    await expect(verifyBundleFiles(files, await readKeyFile(publicPem, 'verification'))).rejects.toThrow(/cedar\/extra.cedar is not covered/);
  });

  it('a file removed after signing is refused', async () => {
    const { privatePem, publicPem } = await keyPair('ed25519');
    const files = sampleFiles();
    files.set('.signatures.json', await signBundleFiles(files, await readKeyFile(privatePem, 'signing')));
    files.delete('tests/basic.yaml');
    await expect(verifyBundleFiles(files, await readKeyFile(publicPem, 'verification'))).rejects.toThrow(/tests\/basic.yaml is named in the bundle signature but missing/);
  });

  it('a bundle signed by another key is refused', async () => {
    const signer = await keyPair('rsa');
    const files = sampleFiles();
    files.set('.signatures.json', await signBundleFiles(files, await readKeyFile(signer.privatePem, 'signing')));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherPem = join(dir, 'other.pub.pem');
    await writeFile(otherPem, other.publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(verifyBundleFiles(files, await readKeyFile(otherPem, 'verification'))).rejects.toThrow(/does not verify/);
  });

  it('an unsigned bundle with a verification key set is refused', async () => {
    const { publicPem } = await keyPair('ec');
    await expect(verifyBundleFiles(sampleFiles(), await readKeyFile(publicPem, 'verification'))).rejects.toThrow(BundleError);
    await expect(verifyBundleFiles(sampleFiles(), await readKeyFile(publicPem, 'verification'))).rejects.toThrow(/not signed/);
  });

  it('a key file that is not PEM → BundleError naming the file', async () => {
    const bad = join(dir, 'bad.pem');
    await writeFile(bad, 'not a key');
    await expect(readKeyFile(bad, 'signing')).rejects.toThrow(/bad.pem is not a PEM private key/);
  });
});

describe('canonical JSON hashing (OPA hash.go)', () => {
  it('sorts keys recursively and leaves <, >, & unescaped', () => {
    expect(canonicalJson({ b: ['<&>', { d: 1, c: null }], a: true })).toBe('{"a":true,"b":["<&>",{"c":null,"d":1}]}');
  });

  it('hashes data.json semantically and other JSON files by bytes', () => {
    const a = hashBundleFile('data.json', enc.encode('{"a":1, "b":2}'));
    expect(hashBundleFile('data.json', enc.encode('{ "b": 2, "a": 1 }'))).toBe(a);
    expect(hashBundleFile('cedar/entities.json', enc.encode('{"a":1, "b":2}'))).not.toBe(hashBundleFile('cedar/entities.json', enc.encode('{"b":2,"a":1}')));
  });
});
