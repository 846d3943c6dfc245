import { readFile, stat } from 'node:fs/promises';
import { prepareCedarEvaluator } from '../evaluation/index.ts';
import { initFactExtractors } from '../evaluation/index.ts';
import type { EngineName } from '../model/index.ts';
import { isJsonObject } from '../model/index.ts';
import type { PolicyEvaluator } from '../evaluation/index.ts';
import { createPreparedBundle, type PreparedBundle } from './prepared-bundle.ts';
import { prepareRegoEvaluator } from '../evaluation/index.ts';
import { type ArchiveLimits, type BundleFiles, DEFAULT_ARCHIVE_LIMITS, readBundleArchive } from './bundle-archive.ts';
import { BundleError } from './bundle-error.ts';
import {
  type BundleManifest,
  CEDAR_DIR,
  CEDAR_ENTITIES_FILE,
  CEDAR_SCHEMA_FILE,
  contentRevision,
  DATA_FILE,
  MANIFEST_FILE,
  parseManifest,
  TESTS_DIR,
  WASM_FILE,
} from './bundle-manifest.ts';
import { readKeyFile, SIGNATURES_FILE, verifyBundleFiles } from './bundle-signature.ts';

/**
 * Runs a prepared bundle's own decision tests and throws a BundleError when one fails. The
 * runner lives in the policy-test layer above this one, which passes it in
 * (engine/testing/load-self-tested-bundle.ts), so the bundle format does not import the runner.
 */
export type BundleSelfTest = (bundle: PreparedBundle) => void;

export interface PrepareBundleFileOptions {
  /** PEM public (or private) key file; when set, only a bundle signed by it loads. */
  verificationKey?: string;
  /** The bundle's self-test; the bundle is refused when it throws. Absent: no self-test. */
  selfTest?: BundleSelfTest;
  limits?: Partial<ArchiveLimits>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads, verifies, prepares and self-tests a bundle. Every failure is a BundleError and
 * nothing is left running: the caller either gets a bundle that passed every step or an
 * error saying which step failed and why (docs/architecture.md "Policy directory and bundle": a bundle that
 * fails is never activated).
 */
export async function prepareBundleFile(path: string, options: PrepareBundleFileOptions = {}): Promise<PreparedBundle> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const archive = await readArchiveFile(path, limits.maxCompressedBytes);
  const files = readBundleArchive(archive, limits);
  if (options.verificationKey) {
    const key = await readKeyFile(options.verificationKey, 'verification');
    await verifyBundleFiles(files, key);
  }
  const manifest = parseManifest(files.get(MANIFEST_FILE));
  checkFileSet(files, manifest);
  const required = manifest.metadata.gatehouse.engines;
  const tests = decisionTestsOf(files);

  try {
    await initFactExtractors();
  } catch (error) {
    throw new BundleError(`cannot load the SQL and shell parsers the engine computes facts with: ${(error as Error).message}`);
  }
  const evaluators = await prepareEvaluators(files, manifest, required);
  const bundle = createPreparedBundle({
    revision: manifest.revision,
    manifest,
    requiredEngines: required,
    evaluators,
    decisionTests: tests,
  });
  if (options.selfTest) {
    try {
      options.selfTest(bundle);
    } catch (error) {
      bundle.close();
      throw error;
    }
  }
  return bundle;
}

async function readArchiveFile(path: string, maxBytes: number): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new BundleError(`bundle ${path} is not a file`);
    if (info.size > maxBytes) throw new BundleError(`bundle ${path} is ${info.size} bytes, over the ${maxBytes}-byte limit`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError(`cannot read bundle ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Only the files Gatehouse writes may be present, and the manifest must describe them: a
 * stray .rego, a second module or a revision that does not match the content is refused.
 */
function checkFileSet(files: BundleFiles, manifest: BundleManifest): void {
  for (const name of files.keys()) {
    const known =
      name === MANIFEST_FILE ||
      name === SIGNATURES_FILE ||
      name === WASM_FILE ||
      name === DATA_FILE ||
      (name.startsWith(CEDAR_DIR) && (name.endsWith('.cedar') || name === CEDAR_SCHEMA_FILE || name === CEDAR_ENTITIES_FILE)) ||
      (name.startsWith(TESTS_DIR) && /^tests\/[^/]+\.ya?ml$/.test(name));
    if (!known) throw new BundleError(`bundle contains an unexpected file ${name}`);
  }
  const gatehouse = manifest.metadata.gatehouse;
  if (contentRevision(files, gatehouse) !== manifest.revision) {
    throw new BundleError(`revision ${manifest.revision} does not match the bundle's content (modified after build?)`, MANIFEST_FILE);
  }
  const hasWasm = files.has(WASM_FILE);
  const wasm = manifest.wasm;
  if (hasWasm !== wasm.length > 0 || wasm.length > 1 || (wasm[0] && (wasm[0].module !== `/${WASM_FILE}` || wasm[0].entrypoint !== gatehouse.entrypoint))) {
    throw new BundleError(`manifest wasm entry must name /${WASM_FILE} with entrypoint ${gatehouse.entrypoint} exactly when the module is present`, MANIFEST_FILE);
  }
  const present: Record<EngineName, boolean> = {
    rego: hasWasm,
    cedar: [...files.keys()].some((name) => name.startsWith(CEDAR_DIR) && name.endsWith('.cedar')),
  };
  for (const engine of gatehouse.engines) {
    if (!present[engine]) throw new BundleError(`required engine '${engine}' has no policies in the bundle`);
  }
  for (const engine of ['rego', 'cedar'] as const) {
    if (present[engine] && !gatehouse.engines.includes(engine)) {
      throw new BundleError(`bundle holds ${engine} policies but its manifest does not require '${engine}'`);
    }
  }
}

function text(files: BundleFiles, name: string): string {
  try {
    return decoder.decode(files.get(name));
  } catch {
    throw new BundleError('is not valid UTF-8', name);
  }
}

function parseJsonFile(files: BundleFiles, name: string): unknown {
  try {
    return JSON.parse(text(files, name));
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError('is not valid JSON', name);
  }
}

function decisionTestsOf(files: BundleFiles): Map<string, string> {
  const tests = new Map<string, string>();
  for (const name of [...files.keys()].sort()) {
    if (name.startsWith(TESTS_DIR)) tests.set(name, text(files, name));
  }
  return tests;
}

async function prepareEvaluators(files: BundleFiles, manifest: BundleManifest, required: readonly EngineName[]): Promise<PolicyEvaluator[]> {
  const evaluators: PolicyEvaluator[] = [];
  try {
    for (const engine of required) {
      evaluators.push(engine === 'rego' ? await prepareRego(files, manifest) : prepareCedar(files, manifest));
    }
    return evaluators;
  } catch (error) {
    for (const evaluator of evaluators) evaluator.close();
    if (error instanceof BundleError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new BundleError(`cannot prepare the bundle's policies: ${message}`);
  }
}

async function prepareRego(files: BundleFiles, manifest: BundleManifest): Promise<PolicyEvaluator> {
  const data = parseJsonFile(files, DATA_FILE);
  if (!isJsonObject(data)) throw new BundleError('must be a JSON object', DATA_FILE);
  return prepareRegoEvaluator({ wasm: files.get(WASM_FILE)!, data, entrypoint: manifest.metadata.gatehouse.entrypoint });
}

function prepareCedar(files: BundleFiles, manifest: BundleManifest): PolicyEvaluator {
  // Policies keep the names they had in the policy directory, so ids (`file:line`) match the author's files.
  const policies = [...files.keys()]
    .filter((name) => name.startsWith(CEDAR_DIR) && name.endsWith('.cedar'))
    .sort()
    .map((name) => ({ file: name.slice(CEDAR_DIR.length), text: text(files, name) }));
  const schema = files.has(CEDAR_SCHEMA_FILE) ? { file: 'schema.cedarschema', text: text(files, CEDAR_SCHEMA_FILE) } : undefined;
  // Handed over as text: the Cedar engine reads it once, with exact integers and the schema.
  const entities = files.has(CEDAR_ENTITIES_FILE) ? text(files, CEDAR_ENTITIES_FILE) : undefined;
  return prepareCedarEvaluator({
    revision: manifest.revision,
    policies,
    ...(schema ? { schema } : {}),
    ...(entities !== undefined ? { entities, entitiesFile: 'entities.json' } : {}),
  });
}
