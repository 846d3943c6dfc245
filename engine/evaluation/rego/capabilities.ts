import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOpa } from '../toolchain/opa-cli.ts';
import { HOST_BUILTINS } from './builtins/host-builtins.ts';

const execFileAsync = promisify(execFile);

/**
 * Builtins `opa build -t wasm` compiles into the module itself (the `builtinsFunctions` table of
 * opa's internal/compiler/wasm/wasm.go at the pinned version), plus the operators the planner
 * compiles away (`eq`, `assign`) and `print`, which `opa build` erases.
 */
export const WASM_NATIVE_BUILTINS: readonly string[] = [
  'eq', 'assign', 'print', 'internal.print',
  'plus', 'minus', 'mul', 'div', 'abs', 'round', 'ceil', 'floor', 'rem',
  'array.concat', 'array.flatten', 'array.reverse', 'array.slice',
  'set_diff', 'and', 'or', 'intersection', 'union',
  'is_number', 'is_string', 'is_boolean', 'is_array', 'is_set', 'is_object', 'is_null', 'type_name',
  'bits.or', 'bits.and', 'bits.negate', 'bits.xor', 'bits.lsh', 'bits.rsh',
  'count', 'sum', 'product', 'max', 'min', 'sort', 'all', 'any',
  'base64.is_valid', 'base64.decode', 'base64.encode', 'base64url.encode', 'base64url.decode',
  'net.cidr_contains', 'net.cidr_overlap', 'net.cidr_intersects',
  'equal', 'gt', 'gte', 'lt', 'lte', 'neq',
  'glob.match', 'json.marshal', 'json.unmarshal', 'json.is_valid',
  'object.filter', 'object.get', 'object.keys', 'object.remove', 'object.union', 'object.union_n',
  'concat', 'format_int', 'indexof', 'substring', 'lower', 'upper', 'contains', 'startswith', 'endswith',
  'strings.reverse', 'split', 'replace', 'strings.replace_n',
  'trim', 'trim_left', 'trim_prefix', 'trim_right', 'trim_suffix', 'trim_space',
  'internal.template_string', 'numbers.range', 'to_number', 'walk', 'graph.reachable',
  'regex.is_valid', 'regex.match', 're_match', 'regex.find_all_string_submatch_n',
  'json.remove', 'json.filter', 'internal.member_2', 'internal.member_3',
];

/** Every builtin a Gatehouse Rego bundle may call: native to the WASM module or supplied by the host. */
export function allowedRegoBuiltins(): Set<string> {
  return new Set([...WASM_NATIVE_BUILTINS, ...HOST_BUILTINS.keys()]);
}

function cacheDir(): string {
  return join(process.env.GATEHOUSE_CACHE ?? join(homedir(), '.cache', 'gatehouse'), 'rego-capabilities');
}

interface CapabilitiesDocument {
  builtins: Array<{ name: string }>;
  [key: string]: unknown;
}

export interface RegoCapabilities {
  /** The file to pass to `opa build --capabilities`. */
  path: string;
  /** Builtins opa knows but Gatehouse cannot run in WASM (for error messages). */
  unsupplied: ReadonlySet<string>;
}

let memo: Promise<RegoCapabilities> | undefined;

/**
 * The capabilities for `opa build`: opa's own current capabilities cut down to the allowed
 * builtins, generated once per opa version and builtin set and cached on disk.
 */
export function regoCapabilities(): Promise<RegoCapabilities> {
  memo ??= generate().catch((err: unknown) => {
    memo = undefined;
    throw err;
  });
  return memo;
}

async function generate(): Promise<RegoCapabilities> {
  const opa = findOpa();
  const { stdout: versionText } = await execFileAsync(opa, ['version'], { encoding: 'utf8' });
  const version = /^Version:\s*(\S+)/m.exec(versionText)?.[1] ?? 'unknown';
  const allowed = allowedRegoBuiltins();
  const fingerprint = createHash('sha256').update([...allowed].sort().join('\n')).digest('hex').slice(0, 12);
  const path = join(cacheDir(), `opa-${version}-${fingerprint}.json`);
  const unsuppliedPath = join(cacheDir(), `opa-${version}-${fingerprint}.unsupplied.json`);
  if (existsSync(path) && existsSync(unsuppliedPath)) {
    const unsupplied = JSON.parse(await readFile(unsuppliedPath, 'utf8')) as string[];
    return { path, unsupplied: new Set(unsupplied) };
  }

  const { stdout } = await execFileAsync(opa, ['capabilities', '--current'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const current = JSON.parse(stdout) as CapabilitiesDocument;
  const document = { ...current, builtins: current.builtins.filter((b) => allowed.has(b.name)) };
  const unsupplied = current.builtins.map((b) => b.name).filter((name) => !allowed.has(name));
  await mkdir(cacheDir(), { recursive: true });
  // Write-then-rename so a concurrent build never reads a half-written file.
  await writeAtomically(unsuppliedPath, JSON.stringify(unsupplied));
  await writeAtomically(path, JSON.stringify(document));
  return { path, unsupplied: new Set(unsupplied) };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}
