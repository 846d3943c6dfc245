import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { formatCedar } from '../../engine/evaluation/index.ts';
import { findOpa } from '../../engine/evaluation/index.ts';
import { CliError, UsageError } from '../cli-error.ts';

const HELP = `usage: gatehouse fmt <policy-dir> [--check]

Formats the policy directory in place: Cedar files with Cedar's formatter, Rego files with opa fmt.

  --check   change nothing; list the files that are not formatted and exit 1 if there are any

Exit status: 0 formatted (or already formatted), 1 unformatted files with --check or a file that
does not parse, 2 usage error.`;

const execFileAsync = promisify(execFile);

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(`fmt: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('fmt: give exactly one policy directory (gatehouse fmt <policy-dir> [--check])');
  const root = positionals[0];
  const stat = await lstat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UsageError(`fmt: ${root} is not a directory`);

  const files = await policyFiles(root, '');
  const check = values.check === true;
  const unformatted = [
    ...(await formatCedarFiles(root, files.filter((f) => f.endsWith('.cedar')), check)),
    ...(await formatRegoFiles(root, files.filter((f) => f.endsWith('.rego')), check)),
  ].sort();
  for (const file of unformatted) process.stdout.write(`${file}\n`);
  return check && unformatted.length > 0 ? 1 : 0;
}

async function policyFiles(root: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await policyFiles(root, path)));
    else if (entry.isFile() && /\.(cedar|rego)$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** Returns the files whose formatting differs (and rewrites them unless checking). */
async function formatCedarFiles(root: string, files: string[], check: boolean): Promise<string[]> {
  const changed: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    const text = await readFile(path, 'utf8');
    const formatted = formatCedar(text, file);
    if (formatted === text) continue;
    changed.push(file);
    if (!check) await writeFile(path, formatted);
  }
  return changed;
}

async function formatRegoFiles(root: string, files: string[], check: boolean): Promise<string[]> {
  if (files.length === 0) return [];
  // opa ignores --write when --list is given, so list first and then rewrite only those files.
  const changed = (await opaFmt(root, ['--list', ...files])).split('\n').filter((line) => line !== '');
  if (!check && changed.length > 0) await opaFmt(root, ['--write', ...changed]);
  return changed;
}

async function opaFmt(root: string, args: string[]): Promise<string> {
  try {
    // Relative paths with cwd=root keep opa's messages in the author's terms.
    const { stdout } = await execFileAsync(findOpa(), ['fmt', ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    const first = stderr.split('\n').find((line) => line.trim() !== '') ?? (error as Error).message;
    throw new CliError(`fmt: ${first.replace(/^failed to format Rego source file: (\d+ errors? occurred: )?/, '')}`);
  }
}
