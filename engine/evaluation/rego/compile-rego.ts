import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { isJsonObject, type JsonObject } from '../../model/index.ts';
import { findOpa } from '../toolchain/opa-cli.ts';
import { regoCapabilities } from './capabilities.ts';
import { parseOpaBuildErrors } from './opa-build-errors.ts';
import { RegoCompileError } from './rego-errors.ts';

const execFileAsync = promisify(execFile);

export const DEFAULT_REGO_ENTRYPOINT = 'gatehouse/decision';

export interface CompileRegoOptions {
  /** Policy files (`*.rego`, without `*_test.rego`). */
  files: string[];
  /** JSON/YAML data files, loaded at the data root as `opa build` does for explicit files. */
  dataFiles?: string[];
  entrypoint?: string;
  /** Directory error locations are reported relative to (default: the current directory). */
  baseDir?: string;
}

export interface CompiledRego {
  wasm: Uint8Array;
  data: JsonObject;
}

/**
 * Compiles Rego to a WASM module with `opa build -t wasm`, restricted to the builtins Gatehouse
 * can run (so an unsupported builtin fails here, named). Throws RegoCompileError with every
 * problem opa reported, located by file and line.
 */
function relativeTo(baseDir: string, file: string): string {
  const path = relative(baseDir, resolve(baseDir, file));
  return path.startsWith('..') || isAbsolute(path) ? resolve(baseDir, file) : `./${path}`;
}

export async function compileRegoToWasm(options: CompileRegoOptions): Promise<CompiledRego> {
  const entrypoint = options.entrypoint ?? DEFAULT_REGO_ENTRYPOINT;
  const baseDir = resolve(options.baseDir ?? process.cwd());
  if (options.files.length === 0) {
    throw new RegoCompileError([{ file: '', line: 0, message: 'no Rego policy files to compile' }]);
  }
  const capabilities = await regoCapabilities();
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-rego-'));
  try {
    const out = join(work, 'bundle.tar.gz');
    const args = [
      'build', '-t', 'wasm', '-e', entrypoint,
      '--capabilities', capabilities.path,
      '-o', out,
      '--',
      // Relative to baseDir (the working directory): opa embeds source paths in the module, and
      // the bundle's content-derived revision must not depend on where the policy was checked out.
      ...options.files.map((f) => relativeTo(baseDir, f)),
      ...(options.dataFiles ?? []).map((f) => relativeTo(baseDir, f)),
    ];
    try {
      await execFileAsync(findOpa(), args, { cwd: baseDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      // opa build prints its errors on stdout.
      const { stdout, stderr } = err as { stdout?: unknown; stderr?: unknown };
      const text = [stdout, stderr].filter((t): t is string => typeof t === 'string' && t !== '').join('\n') || String((err as Error).message);
      throw new RegoCompileError(parseOpaBuildErrors(text, baseDir, capabilities.unsupplied));
    }
    const extracted = join(work, 'out');
    await mkdir(extracted);
    await tar.x({ file: out, cwd: extracted, filter: (path) => /^\/?(policy\.wasm|data\.json)$/.test(path) });
    const wasm = new Uint8Array(await readFile(join(extracted, 'policy.wasm')));
    const dataText = await readFile(join(extracted, 'data.json'), 'utf8').catch(() => '{}');
    const data: unknown = JSON.parse(dataText);
    if (!isJsonObject(data)) throw new RegoCompileError([{ file: '', line: 0, message: 'opa build produced a data.json that is not an object' }]);
    return { wasm, data };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
