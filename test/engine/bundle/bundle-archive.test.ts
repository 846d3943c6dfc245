import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBundleArchive, writeBundleArchive } from '../../../engine/bundle/bundle-archive.ts';
import { BundleError } from '../../../engine/bundle/bundle-error.ts';

const enc = new TextEncoder();

/** A hand-made tar entry, so tests can produce what our writer refuses to. */
function rawEntry(name: string, body: string, type = '0', linkname = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(Buffer.byteLength(body).toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write(linkname, 157, 100);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}

function rawTarball(...entries: Buffer[]): Buffer {
  return gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
}

describe('bundle archive', () => {
  it('round-trips files with a leading-slash-free name map', () => {
    const files = new Map([
      ['.manifest', enc.encode('{}')],
      ['cedar/deep/dir/policy.cedar', enc.encode('permit(principal, action, resource);')],
      [`cedar/${'d'.repeat(60)}/${'e'.repeat(60)}/p.cedar`, enc.encode('forbid(principal, action, resource);')],
    ]);
    const back = readBundleArchive(writeBundleArchive(files));
    expect([...back.keys()].sort()).toEqual([...files.keys()].sort());
    expect(Buffer.from(back.get('cedar/deep/dir/policy.cedar')!).toString()).toBe('permit(principal, action, resource);');
  });

  it('a base name over 100 bytes → BundleError at write', () => {
    expect(() => writeBundleArchive(new Map([[`tests/${'x'.repeat(120)}.yaml`, enc.encode('')]]))).toThrow(/too long/);
  });

  it('same files in any insertion order → identical bytes', () => {
    const a = new Map([['b', enc.encode('2')], ['a', enc.encode('1')]]);
    const b = new Map([['a', enc.encode('1')], ['b', enc.encode('2')]]);
    expect(Buffer.compare(writeBundleArchive(a), writeBundleArchive(b))).toBe(0);
  });

  it('an entry named ../escape → BundleError', () => {
    expect(() => readBundleArchive(rawTarball(rawEntry('../escape', 'x')))).toThrow(/not a plain relative path/);
  });

  it('an entry with a doubled slash or dot segment → BundleError', () => {
    expect(() => readBundleArchive(rawTarball(rawEntry('cedar//a.cedar', 'x')))).toThrow(BundleError);
    expect(() => readBundleArchive(rawTarball(rawEntry('./data.json', '{}')))).toThrow(BundleError);
  });

  it('a symlink entry → BundleError', () => {
    expect(() => readBundleArchive(rawTarball(rawEntry('data.json', '', '2', '/etc/passwd')))).toThrow(/not a regular file/);
  });

  it('the same file twice (/a and a) → BundleError', () => {
    expect(() => readBundleArchive(rawTarball(rawEntry('/data.json', '{}'), rawEntry('data.json', '{}')))).toThrow(/twice/);
  });

  it('bytes that are not gzip → BundleError', () => {
    expect(() => readBundleArchive(enc.encode('this is not a bundle'))).toThrow(/not a gzip'd tarball/);
  });

  it('a truncated tarball → BundleError', () => {
    const whole = Buffer.concat([rawEntry('data.json', 'x'.repeat(2000))]);
    expect(() => readBundleArchive(gzipSync(whole.subarray(0, 1024)))).toThrow(/truncated/);
  });

  it('a header with a wrong checksum → BundleError', () => {
    const entry = rawEntry('data.json', '{}');
    entry[0] = 'D'.charCodeAt(0);
    expect(() => readBundleArchive(rawTarball(entry))).toThrow(/checksum/);
  });

  it('a tarball expanding past the limit (gzip bomb) → BundleError', () => {
    const bomb = rawTarball(rawEntry('data.json', ' '.repeat(4 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => readBundleArchive(bomb, { maxCompressedBytes: 1 << 20, maxUncompressedBytes: 1 << 20, maxFiles: 10 })).toThrow(/expands to more than/);
  });

  it('more files than allowed → BundleError', () => {
    const entries = Array.from({ length: 5 }, (_, i) => rawEntry(`tests/t${i}.yaml`, 'x'));
    expect(() => readBundleArchive(rawTarball(...entries), { maxCompressedBytes: 1 << 20, maxUncompressedBytes: 1 << 20, maxFiles: 3 })).toThrow(/more than 3 files/);
  });
});
