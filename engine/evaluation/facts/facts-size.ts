import type { JsonValue } from '../../model/index.ts';

/**
 * More facts than a policy could usefully read (list entries across all statements or
 * commands): a request this large is refused before evaluation, since its input alone would
 * hold an evaluation worker for a long time and no real statement needs it.
 */
export const MAX_FACT_ENTRIES = 20_000;

/** The number of list entries in `value`, counted until `limit` is passed (then limit + 1). */
export function countFactEntries(value: JsonValue, limit = MAX_FACT_ENTRIES): number {
  let count = 0;
  const stack: JsonValue[] = [value];
  while (stack.length > 0 && count <= limit) {
    const next = stack.pop()!;
    if (Array.isArray(next)) {
      count += next.length;
      for (const item of next) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (typeof next === 'object' && next !== null) {
      for (const child of Object.values(next)) if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return Math.min(count, limit + 1);
}
