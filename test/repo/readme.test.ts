import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

/** The README's tour block, as a person would paste it, minus the long-running `serve`. */
function tourScript(): string {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```sh block under "## A tour"');
  return block[1]
    .split('\n')
    .filter((line) => !line.startsWith('bin/gatehouse serve'))
    .join('\n');
}

describe('README tour', () => {
  it('runs as pasted: tests the example policy, builds it and evaluates a request (allow with masks)', () => {
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', tourScript()], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    expect(output).toMatch(/^\d+ passed, 0 failed$/m);
    const decision = JSON.parse(output.slice(output.lastIndexOf('\n{') + 1)) as { effect: string; obligations: { mask?: string[] } };
    expect(decision.effect).toBe('allow');
    expect(decision.obligations.mask).toContain('email');
  }, 180_000);
});
