import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

// The layer and cycle rules of .dependency-cruiser.cjs, checked in the unit tier so `npm test`
// fails on a new cycle or an upward import before any service starts. The violations the module
// move has still to remove are listed in .dependency-cruiser-known-violations.json; anything
// else fails here, and so does a listed one that no longer exists (the list only shrinks).

const root = resolve(import.meta.dirname, '..', '..');
const SOURCE_ROOTS = ['engine', 'audit', 'dataplane', 'cli', 'proto', 'bin'];

interface KnownViolation {
  from: string;
  to: string;
  rule: { name: string };
}

function describeViolation(violation: { from: string; to: string; rule: { name: string } }): string {
  return `${violation.rule.name}: ${violation.from} → ${violation.to}`;
}

async function cruiseSources(baseDirectory = root): Promise<ICruiseResult> {
  const config = createRequire(import.meta.url)(resolve(root, '.dependency-cruiser.cjs')) as {
    forbidden: unknown[];
    options: Record<string, unknown>;
  };
  const previous = process.cwd();
  // dependency-cruiser reports and resolves paths relative to the working directory.
  process.chdir(baseDirectory);
  try {
    const reporterOutput = await cruise(SOURCE_ROOTS.filter((folder) => existsSync(resolve(baseDirectory, folder))), {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      outputType: 'json',
    } as Parameters<typeof cruise>[1]);
    const output = reporterOutput.output;
    return (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
  } finally {
    process.chdir(previous);
  }
}

describe('the module architecture', () => {
  it('has no cycle and no layer violation beyond the listed ones, and every listed one still exists', async () => {
    const result = await cruiseSources();
    expect(result.summary.totalCruised).toBeGreaterThan(300);
    const found = result.summary.violations.map((violation: IViolation) => describeViolation(violation)).sort();
    const known = (JSON.parse(readFileSync(resolve(root, '.dependency-cruiser-known-violations.json'), 'utf8')) as KnownViolation[])
      .map((violation) => describeViolation(violation))
      .sort();
    expect(found.filter((violation) => !known.includes(violation)), 'new violations').toEqual([]);
    expect(known.filter((violation) => !found.includes(violation)), 'listed violations that are gone: shrink the list').toEqual([]);
  });

  it('flags an upward import, a cycle and gRPC outside the edges (the rules are live)', async () => {
    const result = await cruiseSources(resolve(root, 'test/repo/fixtures/layer-violation'));
    const found = result.summary.violations.map((violation: IViolation) => describeViolation(violation));
    expect(found).toContain('model-depends-on-nothing: engine/model/decision.ts → audit/event.ts');
    expect(found.some((violation) => violation.startsWith('no-cycle: '))).toBe(true);
    expect(found.some((violation) => violation.startsWith('grpc-only-at-the-edges: audit/event.ts → '))).toBe(true);
  });
});
