import type { ShellWord } from './shell-words.ts';

/** How an option takes its value, as in getopt_long's `has_arg`. */
export type OptionArgument = 'none' | 'required' | 'optional';

/**
 * The options a command accepts, as getopt_long sees them. Short options are letters;
 * a required value may be attached (`-ofile`) or the next word (`-o file`); an optional
 * value must be attached (`-b1`, `--mount=/x`). Long options may be abbreviated to any
 * unique prefix (GNU), and take `--name=value` or (required only) `--name value`.
 */
export interface OptionSpec {
  short: Readonly<Record<string, OptionArgument>>;
  long: Readonly<Record<string, OptionArgument>>;
  /** Historical forms getopt does not know but the program does (`nice -5`): matched whole. */
  extra?: RegExp;
}

export interface ParsedOption {
  /** The canonical spelling: `-o` or the full long name `--output`. */
  name: string;
  value?: ShellWord;
}

export type OptionParse =
  /** Options up to the first operand (`index`), as a `+`-mode getopt stops there. */
  | { ok: true; options: ParsedOption[]; index: number }
  /** A word the model cannot read with certainty: the rest of the line is not known. */
  | { ok: false; reason: string };

/** Expands `'ab'` shorthand: every letter is an option with the same argument kind. */
export function shortOptions(none: string, required = '', optional = ''): Record<string, OptionArgument> {
  const out: Record<string, OptionArgument> = {};
  for (const c of none) out[c] = 'none';
  for (const c of required) out[c] = 'required';
  for (const c of optional) out[c] = 'optional';
  return out;
}

/** Resolves a long option spelling as GNU getopt_long does: exact name, else a unique prefix. */
export function resolveLongOption(spec: OptionSpec, spelled: string): string | undefined {
  if (spec.long[spelled] !== undefined) return spelled;
  const matches = Object.keys(spec.long).filter((name) => name.startsWith(spelled));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Parses the options of `argv` from `start` the way getopt_long does in `+` mode (stop at the
 * first operand, as every wrapper does so that the wrapped command keeps its own options).
 * Any word the model does not know, an ambiguous abbreviation, a missing value or a word whose
 * text is only known at run time ends the parse with a reason: the caller must treat what
 * follows as unknown.
 */
export function parseOptions(argv: readonly ShellWord[], start: number, spec: OptionSpec, command: string): OptionParse {
  const options: ParsedOption[] = [];
  let i = start;
  while (i < argv.length) {
    const word = argv[i]!;
    const arg = word.text;
    if (word.dynamic && arg.startsWith('-')) return { ok: false, reason: `${command}: the option '${arg}' is only known at run time` };
    if (word.dynamic && /^[-$`]/.test(arg)) return { ok: false, reason: `${command}: '${arg}' is only known at run time` };
    if (arg === '--') return { ok: true, options, index: i + 1 };
    if (spec.extra?.test(arg)) {
      options.push({ name: arg });
      i++;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const spelled = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const name = resolveLongOption(spec, spelled);
      if (name === undefined) return { ok: false, reason: `${command}: unknown or ambiguous option '--${spelled}'` };
      const kind = spec.long[name]!;
      if (eq >= 0) {
        if (kind === 'none') return { ok: false, reason: `${command}: option '--${name}' takes no value` };
        options.push({ name: `--${name}`, value: { text: arg.slice(eq + 1), dynamic: word.dynamic } });
        i++;
      } else if (kind === 'required') {
        const value = argv[i + 1];
        if (!value) return { ok: false, reason: `${command}: option '--${name}' needs a value` };
        options.push({ name: `--${name}`, value });
        i += 2;
      } else {
        options.push({ name: `--${name}` });
        i++;
      }
      continue;
    }
    // A cluster: `-vk 1`, `-iu X`, `-S'…'`.
    let j = 1;
    let consumedNext = false;
    while (j < arg.length) {
      const letter = arg[j]!;
      const kind = spec.short[letter];
      if (kind === undefined) return { ok: false, reason: `${command}: unknown option '-${letter}' (in '${arg}')` };
      if (kind === 'none') {
        options.push({ name: `-${letter}` });
        j++;
        continue;
      }
      const attached = arg.slice(j + 1);
      if (attached.length > 0) options.push({ name: `-${letter}`, value: { text: attached, dynamic: word.dynamic } });
      else if (kind === 'optional') options.push({ name: `-${letter}` });
      else {
        const value = argv[i + 1];
        if (!value) return { ok: false, reason: `${command}: option '-${letter}' needs a value` };
        options.push({ name: `-${letter}`, value });
        consumedNext = true;
      }
      break;
    }
    i += consumedNext ? 2 : 1;
  }
  return { ok: true, options, index: i };
}

/** The last value given for any of `names` (`-u`, `--unset`), or undefined. */
export function optionGiven(options: readonly ParsedOption[], ...names: string[]): ParsedOption | undefined {
  let found: ParsedOption | undefined;
  for (const option of options) if (names.includes(option.name)) found = option;
  return found;
}
