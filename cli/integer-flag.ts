import { UsageError } from './cli-error.ts';

/** A whole-number flag from 1 to `max`; absent is `fallback`. */
export function positiveIntegerFlag(command: string, flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${command}: --${flag} must be an integer from 1 to ${max}, got '${text}'`);
  return n;
}
