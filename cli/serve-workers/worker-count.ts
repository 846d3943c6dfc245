import { availableParallelism } from 'node:os';
import { UsageError } from '../cli-error.ts';

/** The most worker processes `serve --workers` starts; more than this is a typo, not a host. */
export const MAX_SERVE_WORKERS = 64;

/**
 * `serve --workers N|auto`: how many processes serve the decision API. `auto` is the cores this
 * process may use (availableParallelism honours CPU affinity), capped at MAX_SERVE_WORKERS.
 */
export function serveWorkerCount(value: string | undefined): number {
  const text = value ?? '1';
  if (text === 'auto') return Math.min(availableParallelism(), MAX_SERVE_WORKERS);
  if (!/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > MAX_SERVE_WORKERS) {
    throw new UsageError(`serve: --workers must be auto or a whole number from 1 to ${MAX_SERVE_WORKERS}, got '${text}'`);
  }
  return Number(text);
}
