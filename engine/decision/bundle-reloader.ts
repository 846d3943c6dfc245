import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ActivatableBundle, ActiveBundle } from './active-bundle.ts';

export type ReloadResult = { outcome: 'activated' | 'unchanged'; revision: string } | { outcome: 'failed'; error: unknown };

export interface BundleReloaderOptions<B extends ActivatableBundle> {
  /** The bundle file, or the policy directory it is built from; changes under it trigger a reload. */
  path: string;
  /** Verifies, prepares and tests the new bundle (building it first when serving a directory). */
  load: () => Promise<B>;
  active: ActiveBundle<B>;
  /** For a directory: which changed files (relative paths) trigger a reload; default all. */
  relevant?: (relativePath: string) => boolean;
  /** Quiet period after the last change before loading; default 300 ms (editors write in bursts). */
  debounceMs?: number;
  onResult?: (result: ReloadResult) => void;
}

/**
 * Hot reload: a new bundle is loaded completely (signature, preparation, its own decision tests)
 * and activated only when every step succeeds; otherwise the active one stays and the failure
 * is reported (logged and counted by the caller). Reloads never overlap: a change during a load
 * schedules exactly one more.
 */
export class BundleReloader<B extends ActivatableBundle> {
  readonly #o: BundleReloaderOptions<B>;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReloadResult> | undefined;
  #again = false;
  #closed = false;

  constructor(options: BundleReloaderOptions<B>) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const path = resolve(this.#o.path);
    const isDir = (await stat(path)).isDirectory();
    // A file is usually replaced by rename, which a watch on the file itself would lose.
    const watched = isDir ? path : dirname(path);
    const name = basename(path);
    this.#watcher = watch(watched, { recursive: isDir, persistent: false }, (_event, file) => {
      if (!isDir && file !== null && file !== name) return;
      if (isDir && file !== null && this.#o.relevant && !this.#o.relevant(file)) return;
      this.#schedule();
    });
    this.#watcher.on('error', () => this.#schedule());
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.reload(), this.#o.debounceMs ?? 300);
    this.#timer.unref();
  }

  /** Loads now (or right after the load in progress) and reports what happened. */
  reload(): Promise<ReloadResult> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = this.#reloadOnce().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        void this.reload();
      }
    });
    this.#running = run;
    return run;
  }

  async #reloadOnce(): Promise<ReloadResult> {
    let result: ReloadResult;
    try {
      const next = await this.#o.load();
      if (this.#closed) {
        await next.close();
        return { outcome: 'unchanged', revision: next.revision };
      }
      if (next.revision === this.#o.active.current()?.revision) {
        await next.close();
        result = { outcome: 'unchanged', revision: next.revision };
      } else {
        await this.#o.active.swap(next);
        result = { outcome: 'activated', revision: next.revision };
      }
    } catch (error) {
      result = { outcome: 'failed', error };
    }
    this.#o.onResult?.(result);
    return result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
    await this.#running?.catch(() => undefined);
  }
}
