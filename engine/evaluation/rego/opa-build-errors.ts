import { isAbsolute, relative, resolve } from 'node:path';
import type { RegoCompileIssue } from './rego-errors.ts';

/**
 * Parses `opa build` output (it prints errors on stdout). opa has no machine-readable error format for build, so this reads
 * its text form: `error: N errors occurred:` followed by `file:line: rego_<kind>_error: message`
 * lines, each optionally followed by tab-indented detail lines.
 */

const LOCATED = /(?:^|\s)([^\s:][^:]*?):(\d+)(?::(\d+))?: (rego_[a-z_]+_error): (.*)$/;

export function parseOpaBuildErrors(output: string, baseDir: string, unsupplied: ReadonlySet<string>): RegoCompileIssue[] {
  const issues: RegoCompileIssue[] = [];
  for (const line of output.split('\n')) {
    const located = LOCATED.exec(line);
    if (located) {
      const [, file, lineNo, column, kind, text] = located as unknown as [string, string, string, string | undefined, string, string];
      const issue: RegoCompileIssue = {
        file: displayPath(file, baseDir),
        line: Number(lineNo),
        message: `${kind}: ${hint(text, unsupplied)}`,
      };
      if (column) issue.column = Number(column);
      issues.push(issue);
      continue;
    }
    const detail = /^\t\s*((?:have|want): .*)$/.exec(line);
    const last = issues[issues.length - 1];
    if (detail && last) last.message += `; ${detail[1]}`;
  }
  if (issues.length === 0) {
    const first = output.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'opa build failed';
    issues.push({ file: '', line: 0, message: first.replace(/^error:\s*/i, '') });
  }
  return issues;
}

function displayPath(file: string, baseDir: string): string {
  const absolute = isAbsolute(file) ? file : resolve(baseDir, file);
  const rel = relative(baseDir, absolute);
  return rel === '' ? file : rel;
}

function hint(text: string, unsupplied: ReadonlySet<string>): string {
  const undefinedFn = /^undefined function (\S+)$/.exec(text);
  if (undefinedFn && unsupplied.has(undefinedFn[1]!)) {
    return `${text}: Gatehouse's Rego engine does not supply this builtin (see docs/rego-builtins.md)`;
  }
  return text;
}
