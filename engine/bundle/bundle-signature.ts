import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import { isJsonObject } from '../model/index.ts';
import { BundleError } from './bundle-error.ts';
import type { BundleFiles } from './bundle-archive.ts';

/**
 * OPA's bundle signature format (`.signatures.json`, see OPA docs "Bundle signing"):
 * `{"signatures": [<one compact JWS>]}` whose payload lists every other file of the bundle
 * as `{name, hash, algorithm}`. Structured files (data.json, data.yaml, .manifest) are
 * hashed over OPA's canonical JSON form (keys sorted recursively, no HTML escaping), every
 * other file over its bytes. Verification is OPA's: the JWS must verify, the file set must
 * match exactly, every digest must match.
 */
export const SIGNATURES_FILE = '.signatures.json';

const STRUCTURED = new Set(['data.json', 'data.yaml', '.manifest', SIGNATURES_FILE]);

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

export async function readKeyFile(path: string, kind: 'signing' | 'verification'): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new BundleError(`cannot read ${kind} key ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    // A private key also works for verification (its public half), as with `opa build --verification-key`.
    return kind === 'signing' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    throw new BundleError(`${kind} key ${path} is not a PEM ${kind === 'signing' ? 'private' : 'public or private'} key (RSA, EC P-256/384/521 or Ed25519)`);
  }
}

/** The JWS algorithms a key of this type may verify; the first is the one we sign with. */
function algorithmsFor(key: KeyObject): string[] {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  if (type === 'rsa-pss') return ['PS256', 'PS384', 'PS512'];
  if (type === 'ed25519') return ['EdDSA'];
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return ['ES256'];
    if (curve === 'secp384r1' || curve === 'P-384') return ['ES384'];
    if (curve === 'secp521r1' || curve === 'P-521') return ['ES512'];
  }
  throw new BundleError(`unsupported key type ${type ?? 'unknown'} for bundle signing (use RSA, EC P-256/384/521 or Ed25519)`);
}

export function signingAlgorithm(key: KeyObject): string {
  return algorithmsFor(key)[0];
}

/** Digest of one bundle file as OPA computes it for `.signatures.json`. */
export function hashBundleFile(name: string, data: Uint8Array, algorithm = 'SHA-256'): string {
  const hashName = HASHES[algorithm];
  if (!hashName) throw new BundleError(`${SIGNATURES_FILE}: unsupported hash algorithm ${algorithm}`);
  const hash = createHash(hashName);
  if (STRUCTURED.has(basename(name))) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      throw new BundleError('is not valid JSON', name);
    }
    hash.update(canonicalJson(value));
  } else {
    hash.update(data);
  }
  return hash.digest('hex');
}

/** OPA's hashing walk: sorted keys, Go's encoder without HTML escaping (which still escapes U+2028/9). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort(compareUtf8);
    return `{${keys.map((key) => `${encodeString(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'string') return encodeString(value);
  return JSON.stringify(value);
}

function encodeString(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// Go sorts map keys by bytes; for UTF-16 strings that differs from `<` only outside the BMP.
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Produces the `.signatures.json` content covering every file in `files`. */
export async function signBundleFiles(files: BundleFiles, key: KeyObject): Promise<Uint8Array> {
  const signed: SignedFile[] = [...files.keys()]
    .filter((name) => name !== SIGNATURES_FILE)
    .sort()
    .map((name) => ({ name, hash: hashBundleFile(name, files.get(name)!), algorithm: 'SHA-256' }));
  const payload = new TextEncoder().encode(JSON.stringify({ files: signed }));
  const jws = await new CompactSign(payload).setProtectedHeader({ alg: signingAlgorithm(key), typ: 'JWT' }).sign(key);
  return new TextEncoder().encode(JSON.stringify({ signatures: [jws] }));
}

/** Throws a BundleError unless the bundle carries a valid signature by `key` over exactly its files. */
export async function verifyBundleFiles(files: BundleFiles, key: KeyObject): Promise<void> {
  const raw = files.get(SIGNATURES_FILE);
  if (!raw) throw new BundleError(`bundle is not signed (no ${SIGNATURES_FILE}) but a verification key is configured`);
  const jws = parseSignaturesFile(raw);
  const allowed = algorithmsFor(key);
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(jws).alg;
  } catch {
    throw new BundleError(`${SIGNATURES_FILE}: the signature is not a compact JWS`);
  }
  if (typeof alg !== 'string' || !allowed.includes(alg)) {
    throw new BundleError(`${SIGNATURES_FILE}: signature algorithm ${String(alg)} does not match the verification key (expected ${allowed.join('/')})`);
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, key, { algorithms: allowed }));
  } catch {
    throw new BundleError(`${SIGNATURES_FILE}: signature does not verify with the configured verification key`);
  }
  const signed = parsePayload(payload);
  const present = [...files.keys()].filter((name) => name !== SIGNATURES_FILE);
  for (const name of present) {
    if (!signed.has(name)) throw new BundleError(`file ${name} is not covered by the bundle signature`);
  }
  for (const [name, entry] of signed) {
    const data = files.get(name);
    if (!data) throw new BundleError(`file ${name} is named in the bundle signature but missing from the bundle`);
    if (hashBundleFile(name, data, entry.algorithm) !== entry.hash.toLowerCase()) {
      throw new BundleError(`file ${name} does not match its signed digest (the bundle was modified after signing)`);
    }
  }
}

function parseSignaturesFile(raw: Uint8Array): string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new BundleError(`${SIGNATURES_FILE} is not valid JSON`);
  }
  const signatures = isJsonObject(value) ? value.signatures : undefined;
  if (!Array.isArray(signatures) || signatures.length !== 1 || typeof signatures[0] !== 'string') {
    throw new BundleError(`${SIGNATURES_FILE} must hold exactly one signature`);
  }
  return signatures[0];
}

function parsePayload(payload: Uint8Array): Map<string, SignedFile> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new BundleError(`${SIGNATURES_FILE}: signed payload is not JSON`);
  }
  if (!isJsonObject(value) || !Array.isArray(value.files)) throw new BundleError(`${SIGNATURES_FILE}: signed payload has no files list`);
  // OPA compares `scope` with the configured one; Gatehouse configures none, so a scoped signature is for someone else.
  if (value.scope !== undefined && value.scope !== '') throw new BundleError(`${SIGNATURES_FILE}: signature is scoped to '${String(value.scope)}'`);
  const signed = new Map<string, SignedFile>();
  for (const item of value.files) {
    if (!isJsonObject(item) || typeof item.name !== 'string' || typeof item.hash !== 'string' || typeof item.algorithm !== 'string') {
      throw new BundleError(`${SIGNATURES_FILE}: malformed files entry`);
    }
    const name = item.name.replace(/^\/+/, '');
    if (signed.has(name)) throw new BundleError(`${SIGNATURES_FILE}: ${name} is listed twice`);
    signed.set(name, { name, hash: item.hash, algorithm: item.algorithm });
  }
  return signed;
}
