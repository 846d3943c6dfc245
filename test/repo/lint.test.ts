import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The linter (biome.jsonc, `npm run lint`), in the unit tier so `npm test` fails on a finding
// before any service starts. Warnings count: the run is clean or it fails.

const root = resolve(import.meta.dirname, '..', '..');
const BIOME = resolve(root, 'node_modules/.bin/biome');
// Biome scans the whole tree for its module graph (the type-aware rules); the machine is shared.
const LINT_TIMEOUT_MS = 180_000;

interface BiomeReport {
  summary: { changed: number; unchanged: number; errors: number; warnings: number };
  diagnostics: { category?: string; message: string; location?: { path?: string; start?: { line: number } } }[];
}

interface LintRun {
  report: BiomeReport | undefined;
  status: number | null;
  output: string;
}

function lint(cwd: string, extraArgs: string[] = []): LintRun {
  const run = spawnSync(BIOME, ['lint', '--error-on-warnings', '--reporter=json', '--max-diagnostics=none', ...extraArgs], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let report: BiomeReport | undefined;
  try {
    report = JSON.parse(run.stdout) as BiomeReport;
  } catch {
    report = undefined;
  }
  return { report, status: run.status, output: `${run.stdout}${run.stderr}${run.error ? String(run.error) : ''}` };
}

/**
 * The modules with an index.ts, as .dependency-cruiser.cjs lists them: its rules that forbid
 * importing `<module>/` anything but `index.ts` (the resolved-path version of the lint rule).
 */
function indexedModules(): string[] {
  const config = createRequire(import.meta.url)(resolve(root, '.dependency-cruiser.cjs')) as { forbidden: { to?: { path?: string } }[] };
  return config.forbidden.flatMap((rule) => {
    const match = /^\^(.+)\/\(\?!index\[\.\]ts\$\)$/.exec(rule.to?.path ?? '');
    return match ? [match[1]!] : [];
  });
}

/** One line per finding: `path:line rule: message`, what a failing test prints. */
function findings(report: BiomeReport): string[] {
  return report.diagnostics.map(
    (diagnostic) => `${diagnostic.location?.path ?? '?'}:${diagnostic.location?.start?.line ?? '?'} ${diagnostic.category ?? 'biome'}: ${diagnostic.message}`,
  );
}

describe('the linter', () => {
  it('finds nothing in the sources, tests, benchmarks and scripts (npm run lint)', () => {
    const run = lint(root);
    expect(run.report, `biome did not report:\n${run.output}`).toBeDefined();
    expect(findings(run.report!)).toEqual([]);
    expect(run.status, run.output).toBe(0);
    expect(run.report!.summary.changed + run.report!.summary.unchanged).toBeGreaterThan(300);
  }, LINT_TIMEOUT_MS);

  describe('its rules are live', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-lint-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    function write(path: string, text: string): void {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }

    it('flags a deep import into an indexed module, a value import used as a type, `any` and a floating promise', () => {
      copyFileSync(join(root, 'biome.jsonc'), join(scratch, 'biome.jsonc'));
      write('engine/model/decision.ts', "export interface Decision { allowed: boolean }\n");
      write('engine/model/index.ts', "export type { Decision } from './decision.ts';\n");
      write(
        'engine/example/reaches-inside.ts',
        [
          "import { Decision } from '../model/decision.ts';",
          'async function settle(): Promise<number> {',
          '  return 1;',
          '}',
          'export function decide(input: any): Decision {',
          '  settle();',
          '  return { allowed: input === true };',
          '}',
          '',
        ].join('\n'),
      );
      // The same module reached through its index, from a layer and from a test: both fine.
      write('audit/through-index.ts', "import type { Decision } from '../engine/model/index.ts';\n\nexport const allowed = (decision: Decision): boolean => decision.allowed;\n");
      write('test/reaches-inside.ts', "import type { Decision } from '../engine/model/decision.ts';\n\nexport const denied: Decision = { allowed: false };\n");

      // The scratch tree is no git repository: the ignore file does not apply there.
      const run = lint(scratch, ['--vcs-enabled=false']);
      expect(run.report, `biome did not report:\n${run.output}`).toBeDefined();
      const rules = new Set(run.report!.diagnostics.map((diagnostic) => `${diagnostic.location?.path} ${diagnostic.category}`));
      expect([...rules].sort(), findings(run.report!).join('\n')).toEqual([
        'engine/example/reaches-inside.ts lint/nursery/noFloatingPromises',
        'engine/example/reaches-inside.ts lint/style/noRestrictedImports',
        'engine/example/reaches-inside.ts lint/style/useImportType',
        'engine/example/reaches-inside.ts lint/suspicious/noExplicitAny',
      ]);
      expect(run.status).not.toBe(0);
    }, LINT_TIMEOUT_MS);

    it('guards every module dependency-cruiser lists with an index.ts (biome.jsonc noRestrictedImports)', () => {
      const modules = indexedModules();
      expect(modules.length, 'no index rule found in .dependency-cruiser.cjs').toBeGreaterThan(0);
      const tree = join(scratch, 'indexed');
      mkdirSync(tree, { recursive: true });
      copyFileSync(join(root, 'biome.jsonc'), join(tree, 'biome.jsonc'));
      const expected: string[] = [];
      for (const module of modules) {
        const slug = module.replaceAll('/', '-');
        write(`indexed/${module}/inner.ts`, 'export const inner = 1;\n');
        write(`indexed/${module}/index.ts`, "export { inner } from './inner.ts';\n");
        // A module nested in another (engine/evaluation/cedar) is used from inside its parent;
        // from further out, the parent's index is the way in.
        const user = modules.filter((other) => module.startsWith(`${other}/`)).sort((a, b) => b.length - a.length)[0] ?? 'cli';
        const path = relative(join(tree, user), join(tree, module));
        const specifier = path.startsWith('..') ? path : `./${path}`;
        write(`indexed/${user}/reaches-into-${slug}.ts`, `import { inner } from '${specifier}/inner.ts';\n\nexport const value = inner;\n`);
        write(`indexed/${user}/through-index-of-${slug}.ts`, `import { inner } from '${specifier}/index.ts';\n\nexport const value = inner;\n`);
        expected.push(`${user}/reaches-into-${slug}.ts lint/style/noRestrictedImports`);
      }
      const run = lint(tree, ['--vcs-enabled=false']);
      expect(run.report, `biome did not report:\n${run.output}`).toBeDefined();
      const found = new Set(run.report!.diagnostics.map((diagnostic) => `${diagnostic.location?.path} ${diagnostic.category}`));
      expect([...found].sort(), 'a module with an index.ts needs its folder name in the noRestrictedImports patterns of biome.jsonc').toEqual(expected.sort());
    }, LINT_TIMEOUT_MS);
  });
});
