import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

describe('proto/ API definitions', () => {
  const temp = mkdtempSync(join(tmpdir(), 'gatehouse-proto-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('buf lint (STANDARD rules, buf.yaml at the root) reports no problems', () => {
    // execFileSync throws with buf's findings on stdout when lint fails.
    const output = execFileSync(join(ROOT, 'node_modules', '.bin', 'buf'), ['lint'], { cwd: ROOT, encoding: 'utf8' });
    expect(output).toBe('');
  });

  it('the committed proto/generated types equal what scripts/gen-proto-types generates now', () => {
    const out = join(temp, 'generated');
    execFileSync(join(ROOT, 'scripts', 'gen-proto-types'), ['--out', out], { cwd: ROOT, encoding: 'utf8' });
    const committed = join(ROOT, 'proto', 'generated');
    expect(listFiles(committed)).toEqual(listFiles(out));
    for (const file of listFiles(out)) {
      // Compared as bytes: descriptor-set.binpb (what reflection serves) is binary.
      expect(readFileSync(join(committed, file)).equals(readFileSync(join(out, file))), `${file} is stale: run scripts/gen-proto-types`).toBe(true);
    }
    expect(listFiles(out)).toContain('descriptor-set.binpb');
  });
});
