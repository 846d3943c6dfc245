import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The repository is all a reader has: code, help texts and docs must not point at files that
// live elsewhere (a design note or brief kept outside it, a sibling checkout).
const ROOT = resolve(import.meta.dirname, '..', '..');
const THIS_FILE = 'test/repo/self-contained.test.ts';

function trackedTextFiles(): string[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  return files.filter((file) => file !== THIS_FILE && !/\.(binpb|wasm|gz|png|jpg)$/.test(file) && file !== 'package-lock.json');
}

const OUTSIDE = [/\bDESIGN\.md\b/, /\bSTYLE\.md\b/, /\bBRIEF\.md\b/, /\.\.\/shared\b/, /(^|[\s'"`(])\/work\//];

/** Markdown files the code writes at run time (not tracked, so not in the repository). */
const GENERATED_MARKDOWN = new Set(['bench-results.md']);

describe('the repository is self-contained', () => {
  it('no file refers to documents outside the repository', () => {
    const found: string[] = [];
    for (const file of trackedTextFiles()) {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (OUTSIDE.some((pattern) => pattern.test(line))) found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('every Markdown file named anywhere is one of the repository', () => {
    const files = trackedTextFiles();
    const present = new Set(files.filter((name) => name.endsWith('.md')).map((name) => name.slice(name.lastIndexOf('/') + 1)));
    const missing: string[] = [];
    for (const file of files) {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const match of line.matchAll(/(?<![\w.-])([\w.-]+\.md)\b/g)) {
          const name = match[1]!;
          if (!present.has(name) && !GENERATED_MARKDOWN.has(name)) missing.push(`${file}:${i + 1}: ${name}`);
        }
      });
    }
    expect(missing).toEqual([]);
  });

  it('every relative link in the Markdown docs names a file of the repository', () => {
    const broken: string[] = [];
    for (const file of trackedTextFiles().filter((name) => name.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        if (!existsSync(resolve(ROOT, dirname(file), target))) broken.push(`${file}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
