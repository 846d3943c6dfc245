import { gunzipSync, gzipSync } from 'node:zlib';
import { BundleError } from './bundle-error.ts';

/**
 * The gzip'd ustar tarball of a bundle, written and read here without a tar library so
 * that (1) output is byte-for-byte deterministic (sorted entries, mtime 0, uid/gid 0,
 * fixed modes, gzip header without a timestamp) and (2) reading enforces our limits and
 * path rules before a single byte reaches the rest of the loader. Names are stored with a
 * leading `/` as `opa build` does; OPA and Go's archive/tar read them.
 */
export type BundleFiles = Map<string, Uint8Array>;

export interface ArchiveLimits {
  /** Compressed tarball size. */
  maxCompressedBytes: number;
  /** Total uncompressed size (guards against gzip bombs). */
  maxUncompressedBytes: number;
  maxFiles: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxCompressedBytes: 64 * 1024 * 1024,
  maxUncompressedBytes: 256 * 1024 * 1024,
  maxFiles: 10_000,
};

const BLOCK = 512;

export function writeBundleArchive(files: BundleFiles): Buffer {
  const names = [...files.keys()].sort();
  const parts: Buffer[] = [];
  for (const name of names) {
    checkEntryName(name);
    const data = files.get(name)!;
    parts.push(header(`/${name}`, data.length));
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

function header(path: string, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const splitAt = findSplit(path);
    if (splitAt < 0) throw new BundleError(`file name too long for a bundle (at most 100 bytes per name, 155 for its directories): ${path}`);
    prefix = path.slice(0, splitAt);
    name = path.slice(splitAt + 1);
  }
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}

/** The last `/` such that prefix ≤ 155 bytes and name ≤ 100 bytes, or -1. */
function findSplit(path: string): number {
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    if (Buffer.byteLength(path.slice(i + 1)) > 100) return -1;
    if (Buffer.byteLength(path.slice(0, i)) <= 155) return i;
  }
  return -1;
}

/** Parses a bundle tarball; any violation of format, limits or path rules is a BundleError. */
export function readBundleArchive(archive: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): BundleFiles {
  if (archive.length > limits.maxCompressedBytes) {
    throw new BundleError(`bundle is ${archive.length} bytes, over the ${limits.maxCompressedBytes}-byte limit`);
  }
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: limits.maxUncompressedBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BundleError(`bundle expands to more than ${limits.maxUncompressedBytes} bytes`);
    }
    throw new BundleError(`bundle is not a gzip'd tarball: ${(error as Error).message}`);
  }
  const files: BundleFiles = new Map();
  let offset = 0;
  while (true) {
    if (offset + BLOCK > tar.length) throw new BundleError('bundle tarball is truncated (no end-of-archive marker)');
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    verifyChecksum(block);
    const size = parseOctal(block.subarray(124, 136), 'size');
    const type = String.fromCharCode(block[156]);
    const name = field(block, 0, 100);
    const prefix = field(block, 345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    offset += BLOCK;
    const end = offset + size;
    if (end > tar.length) throw new BundleError(`bundle tarball is truncated inside ${path}`);
    if (type === '5') {
      offset = end + ((BLOCK - (size % BLOCK)) % BLOCK);
      continue;
    }
    if (type !== '0' && type !== '\0') {
      throw new BundleError(`bundle entry ${path} is not a regular file (tar type '${type}'); links and extended headers are refused`);
    }
    const clean = normaliseEntryName(path);
    if (files.has(clean)) throw new BundleError(`bundle contains ${clean} twice`);
    if (files.size >= limits.maxFiles) throw new BundleError(`bundle holds more than ${limits.maxFiles} files`);
    files.set(clean, new Uint8Array(tar.subarray(offset, end)));
    offset = end + ((BLOCK - (size % BLOCK)) % BLOCK);
  }
  return files;
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

function parseOctal(raw: Buffer, what: string): number {
  const text = raw.toString('ascii').replace(/[\0 ]+$/g, '').replace(/^ +/, '');
  if (!/^[0-7]{1,12}$/.test(text)) throw new BundleError(`bundle tarball has a malformed ${what} field`);
  return parseInt(text, 8);
}

function verifyChecksum(block: Buffer): void {
  const stored = parseOctal(block.subarray(148, 156), 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  if (sum !== stored) throw new BundleError('bundle tarball is corrupt (header checksum mismatch)');
}

/** `/a/b` and `a/b` name the same file; anything that could escape or alias is refused. */
function normaliseEntryName(path: string): string {
  const name = path.startsWith('/') ? path.slice(1) : path;
  checkEntryName(name);
  return name;
}

function checkEntryName(name: string): void {
  const bad =
    name === '' ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new BundleError(`bundle entry name '${name}' is not a plain relative path`);
}
