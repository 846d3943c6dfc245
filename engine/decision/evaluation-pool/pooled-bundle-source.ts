import type { Decision } from '../../model/index.ts';
import type { DecisionInput } from '../../model/index.ts';
import type { ActivatableBundle } from '../active-bundle.ts';
import type { BundleSource } from '../bundle-source.ts';
import type { EvaluationPool, PoolGeneration } from './evaluation-pool.ts';

export interface PooledBundleOptions {
  /** The built bundle file the source loads (workers load the same file and check its revision). */
  bundleFile: string;
  /** The active revision: loading it again activates nothing, so workers are not asked to load it. */
  activeRevision: () => string | undefined;
}

/**
 * A bundle source whose bundles are also loaded in every evaluation worker. A load succeeds
 * only when the service thread AND every worker hold the new revision, so activation (the
 * ActiveBundle swap) switches all of them at once; when a worker fails, the load fails like
 * any reload failure and the active bundle stays. The activated bundle keeps its synchronous
 * `evaluate` (for `gatehouse eval`-style callers such as the approval manager) and gains
 * `evaluateOffThread`, which the pipeline prefers. Closing it releases the workers' copy once
 * their pending evaluations of it are answered.
 */
export function pooledBundleSource(source: BundleSource, pool: EvaluationPool, options: PooledBundleOptions): BundleSource {
  return {
    ...source,
    load: async () => {
      const bundle = await source.load();
      if (bundle.revision === options.activeRevision()) return bundle;
      let generation: PoolGeneration;
      try {
        generation = await pool.load(options.bundleFile, bundle.revision);
      } catch (error) {
        await bundle.close();
        throw error;
      }
      return withGeneration(bundle, generation);
    },
  };
}

function withGeneration(bundle: ActivatableBundle, generation: PoolGeneration): ActivatableBundle {
  return {
    // Keeps the data fields of a PreparedBundle (manifest, decisionTests, …) for its other users.
    ...bundle,
    revision: bundle.revision,
    evaluate: (input: DecisionInput): Decision => bundle.evaluate(input),
    evaluateOffThread: (input: DecisionInput): Promise<Decision> => generation.evaluate(input),
    close: async (): Promise<void> => {
      generation.release();
      await bundle.close();
    },
  };
}
