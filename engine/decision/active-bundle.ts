import type { BundleProvider, DecidingBundle } from './decision-pipeline.ts';

/** A prepared bundle the service can activate (engine/bundle/prepared-bundle.ts PreparedBundle fits). */
export interface ActivatableBundle extends DecidingBundle {
  close(): void | Promise<void>;
}

/**
 * The one active bundle. Evaluation is synchronous and reads `current()` once per decision, so
 * swapping the reference is atomic: a decision runs wholly on the old or wholly on the new
 * revision, and the old one can be closed as soon as it is replaced.
 */
export class ActiveBundle<B extends ActivatableBundle = ActivatableBundle> implements BundleProvider {
  #bundle: B | undefined;
  readonly #listeners = new Set<(bundle: B) => void>();

  constructor(initial?: B) {
    this.#bundle = initial;
  }

  current(): B | undefined {
    return this.#bundle;
  }

  /** Activates `next` and closes the bundle it replaces. */
  async swap(next: B): Promise<void> {
    const previous = this.#bundle;
    this.#bundle = next;
    for (const listener of this.#listeners) listener(next);
    if (previous && previous !== next) await previous.close();
  }

  onSwap(listener: (bundle: B) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    const previous = this.#bundle;
    this.#bundle = undefined;
    if (previous) await previous.close();
  }
}
