import { isJsonObject, type JsonObject } from '../../model/index.ts';

/** The fact lists the engine computes from `text`, per fact source. */
const FACT_KEYS = { sql: ['statements', 'parseError'], command: ['commands', 'parseError'] } as const;

/**
 * Facts the caller sent without the text they would be computed from (`context.command.commands`
 * with no `context.command.text`) cannot be checked against anything: a production service drops
 * them unless told to trust its callers (`serve --trust-caller-facts`). `gatehouse test` and
 * `eval` never call this: fixtures there state facts on purpose. Returns the reason lines, one
 * per dropped list, for the decision's reasons.
 */
export function dropCallerFacts(context: JsonObject): { context: JsonObject; dropped: string[] } {
  let out: JsonObject | undefined;
  const dropped: string[] = [];
  for (const [source, keys] of Object.entries(FACT_KEYS) as [keyof typeof FACT_KEYS, readonly string[]][]) {
    const value = context[source];
    if (!isJsonObject(value) || value.text !== undefined) continue;
    const present = keys.filter((key) => key in value);
    if (present.length === 0) continue;
    const kept: JsonObject = {};
    for (const [key, item] of Object.entries(value)) if (!present.includes(key)) kept[key] = item;
    out ??= { ...context };
    out[source] = kept;
    for (const key of present) {
      dropped.push(`facts:untrusted: context.${source}.${key} sent without context.${source}.text was dropped (facts are computed from text; serve --trust-caller-facts accepts them)`);
    }
  }
  return { context: out ?? context, dropped };
}
