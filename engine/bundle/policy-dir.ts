import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { ENGINE_NAMES, type EngineName } from '../model/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../model/index.ts';
import { BundleError } from './bundle-error.ts';

/** A source file of a policy directory, `file` relative to the directory with `/` separators. */
export interface SourceFile {
  file: string;
  text: string;
}

export const DEFAULT_ENTRYPOINT = 'gatehouse/decision';

/** The contents of a policy directory (docs/architecture.md "Policy directory and bundle"). */
export interface PolicyDir {
  root: string;
  name: string;
  description: string;
  /** From gatehouse.yaml `engines`, else the engines whose files are present. */
  requiredEngines: EngineName[];
  entrypoint: string;
  /** Rego modules to compile (native `*_test.rego` excluded). */
  rego: SourceFile[];
  /** Native Rego unit tests, run by `gatehouse test`, never compiled into the bundle. */
  regoTests: SourceFile[];
  cedar: SourceFile[];
  cedarSchema?: SourceFile;
  entities?: { file: string; text: string; value: JsonValue[] };
  data?: { file: string; text: string; value: JsonObject };
  /** Decision tests, tests/*.yaml. */
  tests: SourceFile[];
}

const MANIFEST_KEYS = new Set(['name', 'description', 'engines', 'entrypoint']);
// Directories that never hold policy: VCS metadata, dependencies, build output.
const SKIPPED_DIRS = new Set(['node_modules', 'tests']);

export async function readPolicyDir(root: string): Promise<PolicyDir> {
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new BundleError(`policy directory ${root} does not exist or is not a directory`);

  const config = await readConfig(root);
  const rego: SourceFile[] = [];
  const regoTests: SourceFile[] = [];
  const cedar: SourceFile[] = [];
  for (const file of await listFiles(root, '')) {
    if (file.endsWith('_test.rego')) regoTests.push(await readSource(root, file));
    else if (file.endsWith('.rego')) rego.push(await readSource(root, file));
    else if (file.endsWith('.cedar')) cedar.push(await readSource(root, file));
  }

  const cedarSchema = await readOptional(root, 'schema.cedarschema');
  const entitiesFile = await readOptional(root, 'entities.json');
  const dataFile = await readOptional(root, 'data.json');
  const entities = entitiesFile ? { ...entitiesFile, value: parseEntities(entitiesFile) } : undefined;
  const data = dataFile ? { ...dataFile, value: parseData(dataFile) } : undefined;
  const tests = await readTests(root);

  const present = ENGINE_NAMES.filter((engine) => (engine === 'rego' ? rego.length > 0 : cedar.length > 0));
  return {
    root,
    name: config.name ?? basename(root.replace(/[\\/]+$/, '')),
    description: config.description ?? '',
    requiredEngines: config.engines ?? present,
    entrypoint: config.entrypoint ?? DEFAULT_ENTRYPOINT,
    rego,
    regoTests,
    cedar,
    cedarSchema,
    entities,
    data,
    tests,
  };
}

interface PolicyConfig {
  name?: string;
  description?: string;
  engines?: EngineName[];
  entrypoint?: string;
}

async function readConfig(root: string): Promise<PolicyConfig> {
  const found = (await readOptional(root, 'gatehouse.yaml')) ?? (await readOptional(root, 'gatehouse.yml'));
  if (!found) return {};
  const doc = parseDocument(found.text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = found.text.slice(0, first.pos[0]).split('\n').length;
    throw new BundleError(first.message.split('\n')[0], found.file, line);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isJsonObject(value)) throw new BundleError('must be a mapping (name, description, engines, entrypoint)', found.file);
  const config: PolicyConfig = {};
  for (const [key, item] of Object.entries(value)) {
    if (!MANIFEST_KEYS.has(key)) throw new BundleError(`unknown key '${key}' (expected name, description, engines, entrypoint)`, found.file);
    if (key === 'engines') config.engines = parseEngines(item, found.file);
    else if (typeof item !== 'string') throw new BundleError(`'${key}' must be a string`, found.file);
    else if (key === 'entrypoint') config.entrypoint = parseEntrypoint(item, found.file);
    else if (key === 'name') config.name = item;
    else config.description = item;
  }
  return config;
}

function parseEngines(value: unknown, file: string): EngineName[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BundleError(`'engines' must be a non-empty list of ${ENGINE_NAMES.join(', ')}`, file);
  }
  const engines: EngineName[] = [];
  for (const item of value) {
    const engine = ENGINE_NAMES.find((name) => name === item);
    if (!engine) throw new BundleError(`unknown engine '${String(item)}' (expected ${ENGINE_NAMES.join(' or ')})`, file);
    if (!engines.includes(engine)) engines.push(engine);
  }
  return engines;
}

function parseEntrypoint(value: string, file: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)+$/.test(value)) {
    throw new BundleError(`'entrypoint' must look like package/rule (e.g. ${DEFAULT_ENTRYPOINT}), got '${value}'`, file);
  }
  return value;
}

async function listFiles(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name.startsWith('.')) continue;
    if (entry.isSymbolicLink() && /\.(rego|cedar)$/.test(entry.name)) {
      throw new BundleError('symbolic links are not followed; copy the file into the policy directory', path);
    }
    if (entry.isDirectory() && !(dir === '' && SKIPPED_DIRS.has(entry.name))) files.push(...(await listFiles(root, path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function readSource(root: string, file: string): Promise<SourceFile> {
  try {
    return { file, text: await readFile(join(root, ...file.split('/')), 'utf8') };
  } catch (error) {
    throw new BundleError(`cannot read: ${(error as Error).message}`, file);
  }
}

async function readOptional(root: string, file: string): Promise<SourceFile | undefined> {
  const stat = await lstat(join(root, file)).catch(() => undefined);
  if (!stat) return undefined;
  if (!stat.isFile()) throw new BundleError('must be a regular file', file);
  return readSource(root, file);
}

function parseJson(source: SourceFile): unknown {
  try {
    return JSON.parse(source.text);
  } catch (error) {
    throw new BundleError(`invalid JSON: ${(error as Error).message}`, source.file);
  }
}

function parseEntities(source: SourceFile): JsonValue[] {
  const value = parseJson(source);
  if (!Array.isArray(value)) throw new BundleError('must be a JSON array of Cedar entities ({uid, attrs, parents})', source.file);
  return value as JsonValue[];
}

function parseData(source: SourceFile): JsonObject {
  const value = parseJson(source);
  if (!isJsonObject(value)) throw new BundleError('must be a JSON object (Rego data)', source.file);
  return value;
}

async function readTests(root: string): Promise<SourceFile[]> {
  const dir = join(root, 'tests');
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return [];
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const tests: SourceFile[] = [];
  for (const name of names) {
    // OPA loads any data.yaml it finds as data; a test file by that name would leak into `data.tests`.
    if (/^data\.ya?ml$/.test(name)) throw new BundleError('rename this decision test file (OPA reserves data.yaml)', `tests/${name}`);
    tests.push(await readSource(root, `tests/${name}`));
  }
  return tests;
}

/** Relative posix path of `path` inside `root` (for error messages from tools that print absolute paths). */
export function relativeToRoot(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
