import { BuiltinError, stringOperand, stringsOperand, typeName, type HostBuiltin, type RegoValue } from './rego-value.ts';

/** OPA's strings.any_prefix_match / any_suffix_match / count (v1/topdown/strings.go). */

function affixOperand(args: RegoValue[], position: number): string[] {
  const value = args[position - 1];
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw new BuiltinError(`operand ${position} must be one of {string, set, array} but got ${typeName(value)}`);
  }
  return stringsOperand(args, position);
}

function anyAffixMatch(match: (s: string, affix: string) => boolean): HostBuiltin {
  return (args) => {
    const search = affixOperand(args, 1);
    const bases = affixOperand(args, 2);
    return search.some((s) => bases.some((b) => match(s, b)));
  };
}

/** Go's strings.Count: non-overlapping occurrences; an empty substring counts runes + 1. */
function count(s: string, sub: string): number {
  if (sub === '') return [...s].length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

export const stringsBuiltins: Record<string, HostBuiltin> = {
  'strings.any_prefix_match': anyAffixMatch((s, affix) => s.startsWith(affix)),
  'strings.any_suffix_match': anyAffixMatch((s, affix) => s.endsWith(affix)),
  'strings.count': (args) => count(stringOperand(args, 1), stringOperand(args, 2)),
};
