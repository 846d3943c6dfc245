import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildBundle } from '../bundle/index.ts';
import { loadBundle } from '../testing/index.ts';
import type { ActivatableBundle } from './active-bundle.ts';

/**
 * Where the served bundle comes from. `load` performs every activation step (verify, prepare,
 * run the bundle's own tests) and throws when any fails; `path` is watched for hot reload.
 */
export interface BundleSource {
  readonly path: string;
  /** The built bundle file each load activates (evaluation workers load the same file). */
  readonly bundleFile?: string;
  load(): Promise<ActivatableBundle>;
  /** Default true: reload when something under `path` changes. */
  readonly watch?: boolean;
  /** For a watched directory: which changed files (relative paths) matter; default all. */
  readonly relevant?: (relativePath: string) => boolean;
}

/** Files `gatehouse build` reads from a policy directory; anything else (logs, bundles) is not a policy change. */
const POLICY_FILE = /\.(rego|cedar|cedarschema|json|ya?ml)$/;

export interface BundleFileOptions {
  /** PEM key; only bundles signed by it are activated. */
  verificationKey?: string;
}

/** A built bundle file (`gatehouse build` output), e.g. what CI publishes. */
export function bundleFileSource(path: string, options: BundleFileOptions = {}): BundleSource {
  return {
    path,
    bundleFile: path,
    load: () => loadBundle(path, { verificationKey: options.verificationKey, runOwnTests: true }),
  };
}

export interface PolicyDirOptions extends BundleFileOptions {
  /** Where the bundle is built to (e.g. var/bundle.tar.gz). */
  out: string;
  signingKey?: string;
}

/**
 * A policy directory, built into `out` before each load: what `npm start` serves (policy/), and
 * an author's edit loop, since a change in the directory rebuilds and reloads.
 */
export function policyDirSource(dir: string, options: PolicyDirOptions): BundleSource {
  return {
    path: dir,
    bundleFile: options.out,
    relevant: (file) => POLICY_FILE.test(file),
    load: async () => {
      await mkdir(dirname(options.out), { recursive: true });
      await buildBundle(dir, options.out, { signingKey: options.signingKey });
      return loadBundle(options.out, { verificationKey: options.verificationKey, runOwnTests: true });
    },
  };
}
