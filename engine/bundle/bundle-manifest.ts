import { createHash } from 'node:crypto';
import { ENGINE_NAMES, type EngineName } from '../model/index.ts';
import { isJsonObject, type JsonObject } from '../model/index.ts';
import { BundleError } from './bundle-error.ts';
import type { BundleFiles } from './bundle-archive.ts';
import { canonicalJson } from './bundle-signature.ts';

export const MANIFEST_FILE = '.manifest';
export const WASM_FILE = 'policy.wasm';
export const DATA_FILE = 'data.json';
export const CEDAR_DIR = 'cedar/';
export const TESTS_DIR = 'tests/';
export const CEDAR_SCHEMA_FILE = 'cedar/schema.cedarschema';
export const CEDAR_ENTITIES_FILE = 'cedar/entities.json';

/** Bumped when the bundle layout changes incompatibly; a loader refuses versions it does not know. */
export const BUNDLE_FORMAT = 1;

/** Gatehouse's part of the manifest, under `metadata.gatehouse` (OPA exposes it at data.system). */
export interface GatehouseMetadata extends JsonObject {
  format: number;
  name: string;
  description: string;
  /** Required engines: each must have policies and is evaluated for every request. */
  engines: EngineName[];
  /** The Rego rule path the WASM module is built for. */
  entrypoint: string;
}

/** OPA's `.manifest`, with Gatehouse metadata. */
export interface BundleManifest extends JsonObject {
  revision: string;
  roots: string[];
  rego_version: number;
  wasm: { entrypoint: string; module: string }[];
  metadata: { gatehouse: GatehouseMetadata };
}

export function createManifest(files: BundleFiles, gatehouse: GatehouseMetadata): BundleManifest {
  const hasWasm = files.has(WASM_FILE);
  return {
    revision: contentRevision(files, gatehouse),
    roots: [''],
    rego_version: 1,
    wasm: hasWasm ? [{ entrypoint: gatehouse.entrypoint, module: `/${WASM_FILE}` }] : [],
    metadata: { gatehouse },
  };
}

/**
 * sha256 over every payload file (sorted by name, each as name, length and bytes) and the
 * Gatehouse metadata: the same sources always give the same revision, any change a new one.
 */
export function contentRevision(files: BundleFiles, gatehouse: GatehouseMetadata): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    if (name === MANIFEST_FILE || name === '.signatures.json') continue;
    const data = files.get(name)!;
    hash.update(`${name}\0${data.length}\0`);
    hash.update(data);
  }
  hash.update(canonicalJson(gatehouse));
  return hash.digest('hex');
}

export function parseManifest(raw: Uint8Array | undefined): BundleManifest {
  if (!raw) throw new BundleError(`bundle has no ${MANIFEST_FILE}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new BundleError('is not valid JSON', MANIFEST_FILE);
  }
  const fail = (what: string): never => {
    throw new BundleError(what, MANIFEST_FILE);
  };
  if (!isJsonObject(value)) return fail('must be a JSON object');
  if (typeof value.revision !== 'string' || value.revision === '') fail('has no revision');
  const gatehouse = isJsonObject(value.metadata) ? value.metadata.gatehouse : undefined;
  if (!isJsonObject(gatehouse)) return fail('has no metadata.gatehouse (not a Gatehouse bundle; build it with gatehouse build)');
  if (gatehouse.format !== BUNDLE_FORMAT) fail(`bundle format ${String(gatehouse.format)} is not supported (this Gatehouse reads format ${BUNDLE_FORMAT})`);
  if (typeof gatehouse.name !== 'string' || typeof gatehouse.description !== 'string') fail('metadata.gatehouse needs name and description strings');
  if (typeof gatehouse.entrypoint !== 'string' || gatehouse.entrypoint === '') fail('metadata.gatehouse.entrypoint must be a rule path');
  const engines = gatehouse.engines;
  if (!Array.isArray(engines) || engines.length === 0 || !engines.every((e) => ENGINE_NAMES.includes(e as EngineName))) {
    fail(`metadata.gatehouse.engines must be a non-empty list of ${ENGINE_NAMES.join(', ')}`);
  }
  const wasm = value.wasm ?? [];
  if (!Array.isArray(wasm) || !wasm.every((w) => isJsonObject(w) && typeof w.entrypoint === 'string' && typeof w.module === 'string')) {
    fail('wasm must be a list of {entrypoint, module}');
  }
  return value as BundleManifest;
}
