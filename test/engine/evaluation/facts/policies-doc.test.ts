import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// docs/policies.md promises commands that work when pasted: its `sh` blocks are run here, in a
// scratch directory standing in for the repository root (bin/ linked), except the long-running
// `serve`, which the service's own tests cover.
const root = resolve(import.meta.dirname, '../../../..');
const doc = readFileSync(join(root, 'docs/policies.md'), 'utf8');
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-policies-doc-'));
symlinkSync(join(root, 'bin'), join(scratch, 'bin'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runBlock(script: string): string {
  const withoutServe = script
    .split('\n')
    .filter((line) => !line.startsWith('bin/gatehouse serve'))
    .join('\n');
  return execFileSync('bash', ['-euo', 'pipefail', '-c', withoutServe], { cwd: scratch, encoding: 'utf8', timeout: 240_000 });
}

describe('docs/policies.md walkthrough', () => {
  it('has the walkthrough blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it('the pasted commands create, test, build and evaluate the policy', () => {
    const output = blocks.map(runBlock).join('\n');
    expect(output).toContain('5 passed, 0 failed');
    expect(output).toContain('coverage: 100.0%');
    expect(output).toMatch(/"effect": "allow"/);
    expect(output).toMatch(/"mask": \[\s*"email"\s*\]/);
  }, 300_000);
});
