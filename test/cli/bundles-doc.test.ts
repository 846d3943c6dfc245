import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpa } from '../../engine/evaluation/toolchain/opa-cli.ts';
import { bothEngines, tempDir, writePolicyDir } from '../engine/bundle/policy-fixtures.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/** The ```sh blocks of one section of a markdown file, in order. */
function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

let work: string;

beforeAll(async () => {
  work = await tempDir('doc');
  await writePolicyDir(join(work, 'policy'), bothEngines());
  const bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'gatehouse'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/gatehouse')}" "$@"\n`);
  await chmod(join(bin, 'gatehouse'), 0o755);
  await symlink(findOpa(), join(bin, 'opa'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('docs/bundles.md', () => {
  it('the Signing commands work when pasted (openssl key, signed build, eval with the key, opa verifies)', async () => {
    const blocks = shellBlocks(await readFile(join(ROOT, 'docs/bundles.md'), 'utf8'), 'Signing');
    expect(blocks).toHaveLength(2);
    const script = `set -euo pipefail\n${blocks.join('\n')}`;
    const { stdout } = await run('bash', ['-c', script], {
      cwd: work,
      env: { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}` },
    });
    expect(stdout).toContain('"effect": "allow"');
  });
});
