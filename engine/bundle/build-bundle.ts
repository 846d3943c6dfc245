import { rename, rm, writeFile } from 'node:fs/promises';
import { formatCedarDiagnostic, validateCedarPolicies } from '../evaluation/index.ts';
import type { EngineName } from '../model/index.ts';
import { GatehouseError, type JsonObject } from '../model/index.ts';
import { compileRegoToWasm } from '../evaluation/index.ts';
import { parseDecisionTestFile } from './parse-decision-test-file.ts';
import { type BundleFiles, writeBundleArchive } from './bundle-archive.ts';
import { BundleError } from './bundle-error.ts';
import {
  BUNDLE_FORMAT,
  type BundleManifest,
  CEDAR_DIR,
  CEDAR_ENTITIES_FILE,
  CEDAR_SCHEMA_FILE,
  createManifest,
  DATA_FILE,
  MANIFEST_FILE,
  WASM_FILE,
} from './bundle-manifest.ts';
import { readKeyFile, SIGNATURES_FILE, signBundleFiles } from './bundle-signature.ts';
import { type PolicyDir, readPolicyDir } from './policy-dir.ts';

export type BuildStep = 'reading' | 'compiling Rego' | 'validating Cedar' | 'checking decision tests' | 'writing';

export interface BuildBundleOptions {
  /** PEM private key file; the bundle then carries `.signatures.json`. */
  signingKey?: string;
  onProgress?: (step: BuildStep) => void;
}

export interface BuiltBundle {
  path: string;
  revision: string;
  manifest: BundleManifest;
  /** Every file in the tarball, sorted. */
  files: string[];
  signed: boolean;
}

const encoder = new TextEncoder();

/**
 * `gatehouse build`: compiles and checks a policy directory and writes an OPA-compatible
 * bundle. Fails with a BundleError (file and line when known) on any policy problem, and
 * never leaves a partial bundle at `outPath`.
 */
export async function buildBundle(dir: string, outPath: string, options: BuildBundleOptions = {}): Promise<BuiltBundle> {
  const progress = options.onProgress ?? (() => {});
  progress('reading');
  const policy = await readPolicyDir(dir);
  checkEngines(policy);
  // Read the key before the slow compile so a wrong path fails at once.
  const key = options.signingKey ? await readKeyFile(options.signingKey, 'signing') : undefined;

  const files: BundleFiles = new Map();
  let data: JsonObject = policy.data?.value ?? {};
  if (policy.requiredEngines.includes('rego')) {
    progress('compiling Rego');
    const compiled = await compileRego(policy);
    files.set(WASM_FILE, compiled.wasm);
    data = compiled.data;
  }
  files.set(DATA_FILE, encoder.encode(JSON.stringify(data)));

  if (policy.requiredEngines.includes('cedar')) {
    progress('validating Cedar');
    checkCedar(policy);
    for (const source of policy.cedar) files.set(`${CEDAR_DIR}${source.file}`, encoder.encode(source.text));
    if (policy.cedarSchema) files.set(CEDAR_SCHEMA_FILE, encoder.encode(policy.cedarSchema.text));
    if (policy.entities) files.set(CEDAR_ENTITIES_FILE, encoder.encode(policy.entities.text));
  }

  progress('checking decision tests');
  for (const test of policy.tests) {
    try {
      parseDecisionTestFile(test.file, test.text);
    } catch (error) {
      throw new BundleError(`decision test file: ${(error as Error).message}`);
    }
    files.set(test.file, encoder.encode(test.text));
  }

  progress('writing');
  const manifest = createManifest(files, {
    format: BUNDLE_FORMAT,
    name: policy.name,
    description: policy.description,
    engines: policy.requiredEngines,
    entrypoint: policy.entrypoint,
  });
  files.set(MANIFEST_FILE, encoder.encode(JSON.stringify(manifest)));
  if (key) files.set(SIGNATURES_FILE, await signBundleFiles(files, key));
  await writeAtomically(outPath, writeBundleArchive(files));
  return { path: outPath, revision: manifest.revision, manifest, files: [...files.keys()].sort(), signed: key !== undefined };
}

function checkEngines(policy: PolicyDir): void {
  const has = (engine: EngineName) => (engine === 'rego' ? policy.rego.length > 0 : policy.cedar.length > 0);
  if (policy.requiredEngines.length === 0) {
    throw new BundleError(`policy directory ${policy.root} has no policies (no *.rego or *.cedar files)`);
  }
  for (const engine of policy.requiredEngines) {
    if (!has(engine)) {
      const files = engine === 'rego' ? '*.rego' : '*.cedar';
      throw new BundleError(`required engine '${engine}' has no policies (no ${files} files); add policies or remove '${engine}' from engines in gatehouse.yaml`);
    }
  }
  for (const engine of ['rego', 'cedar'] as const) {
    // Policies that would silently not be evaluated are a trap: say so instead.
    if (has(engine) && !policy.requiredEngines.includes(engine)) {
      throw new BundleError(`${engine} policies are present but gatehouse.yaml engines does not list '${engine}'; add it or remove the files`);
    }
  }
}

async function compileRego(policy: PolicyDir): Promise<{ wasm: Uint8Array; data: JsonObject }> {
  try {
    return await compileRegoToWasm({
      files: policy.rego.map((source) => source.file),
      dataFiles: policy.data ? [policy.data.file] : [],
      entrypoint: policy.entrypoint,
      baseDir: policy.root,
    });
  } catch (error) {
    const problems = (error as { errors?: unknown }).errors;
    if (Array.isArray(problems) && problems.length > 0) {
      const first = problems[0] as { file?: string; line?: number; message?: string };
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more Rego error${problems.length > 2 ? 's' : ''})` : '';
      throw new BundleError(`${first.message ?? 'Rego compile error'}${more}`, first.file, first.line);
    }
    if (error instanceof GatehouseError) throw error;
    throw new BundleError(`Rego compilation failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function checkCedar(policy: PolicyDir): void {
  const diagnostics = validateCedarPolicies({
    policies: policy.cedar,
    schema: policy.cedarSchema,
    // The text, not the JSON.parse'd value: Cedar Longs past 2^53 must be read exactly.
    entities: policy.entities?.text,
    entitiesFile: policy.entities?.file,
  });
  if (diagnostics.length === 0) return;
  const first = diagnostics[0];
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more Cedar problem${diagnostics.length > 2 ? 's' : ''})` : '';
  throw new BundleError(`${formatCedarDiagnostic(first).replace(/\s*\n\s*/g, ' ')}${more}`);
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new BundleError(`cannot write bundle ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
