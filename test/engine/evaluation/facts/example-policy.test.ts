import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The shipped example library must stay green: every decision test and Rego unit test passes,
// with every Rego rule and Cedar policy exercised.
const root = resolve(import.meta.dirname, '../../../..');

describe('the example policy library', () => {
  it('gatehouse test policy/ passes with full coverage', () => {
    const output = execFileSync(join('bin', 'gatehouse'), ['test', 'policy/', '--min-coverage', '100'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(output).toMatch(/coverage: 100\.0%/);
    const summary = /(\d+) passed, (\d+) failed/.exec(output);
    expect(summary?.[2]).toBe('0');
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(60);
  }, 300_000);
});

function join(...parts: string[]): string {
  return parts.join('/');
}
