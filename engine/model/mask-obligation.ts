import type { Obligations } from './decision.ts';

/**
 * The column names a decision's `mask` obligation lists, lower-cased. A `table.column` entry
 * masks the column name wherever it appears (masking more is the safe direction). Undefined
 * when the obligation is present but not a list of names: nobody can know what to hide, so
 * the engine and the proxies deny.
 */
export function maskedColumns(obligations: Obligations): string[] | undefined {
  const mask = obligations.mask;
  if (mask === undefined || mask === null) return [];
  if (!Array.isArray(mask)) return undefined;
  const names: string[] = [];
  for (const entry of mask) {
    if (typeof entry !== 'string' || entry.trim() === '') return undefined;
    const name = entry.trim().toLowerCase();
    names.push(name.slice(name.lastIndexOf('.') + 1).replace(/^"(.*)"$/, '$1'));
  }
  return [...new Set(names)];
}
