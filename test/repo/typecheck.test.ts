import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
// tsc checks the whole tree (half a minute on an idle machine); the machine may be shared.
const TYPECHECK_TIMEOUT_MS = 180_000;

describe('the TypeScript sources', () => {
  it('type-check under strict mode with no errors (tsc --noEmit)', () => {
    let output = '';
    try {
      execFileSync(resolve(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
    }
    expect(output).toBe('');
  }, TYPECHECK_TIMEOUT_MS);
});
