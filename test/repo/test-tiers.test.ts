import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIT_TESTS } from '../tiers.ts';

const root = resolve(import.meta.dirname, '..', '..');
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'var', 'coverage']);

/** Every *.test.ts in the repository, found by walking the tree (not by the tiers' own globs). */
function testFilesOnDisk(dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...testFilesOnDisk(join(dir, entry.name)));
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(relative(root, join(dir, entry.name)));
    }
  }
  return found.sort();
}

let listedTiers: Map<string, string[]> | undefined;

/** What vitest itself would run, per project (unit, integration, e2e), from vitest.config.ts. */
function filesByTier(): Map<string, string[]> {
  if (listedTiers) return listedTiers;
  const listed = JSON.parse(
    execFileSync(join(root, 'node_modules/.bin/vitest'), ['list', '--filesOnly', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  ) as { file: string; projectName: string }[];
  const tiers = new Map<string, string[]>();
  for (const { file, projectName } of listed) {
    const path = relative(root, file);
    tiers.set(path, [...(tiers.get(path) ?? []), projectName]);
  }
  listedTiers = tiers;
  return tiers;
}

describe('test tiers', () => {
  it('every test file in the repository runs in exactly one tier', () => {
    const tiers = filesByTier();
    const misplaced = testFilesOnDisk()
      .map((file) => ({ file, tiers: tiers.get(file) ?? [] }))
      .filter((entry) => entry.tiers.length !== 1);
    expect(misplaced).toEqual([]);
    expect(new Set([...tiers.values()].flat())).toEqual(new Set(['unit', 'integration', 'e2e']));
  });

  it('every file listed in the unit tier exists and runs there', () => {
    const tiers = filesByTier();
    expect(UNIT_TESTS.filter((file) => !existsSync(join(root, file)))).toEqual([]);
    expect(UNIT_TESTS.filter((file) => tiers.get(file)?.join() !== 'unit')).toEqual([]);
  });
});
