import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error.ts';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type CommandArgsConfig<O extends OptionsConfig, P extends boolean> = { args: string[]; options: O & typeof HELP_OPTION; strict: true; allowPositionals: P };

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a one-shot command's flags strictly, with `-h`/`--help` added. A parse error is a
 * usage error followed by the command's usage text.
 */
export function parseCommandArgs<const O extends OptionsConfig, const P extends boolean = false>(
  argv: string[],
  options: O,
  usage: string,
  allowPositionals?: P,
): ReturnType<typeof parseArgs<CommandArgsConfig<O, P>>> {
  try {
    return parseArgs<CommandArgsConfig<O, P>>({ args: argv, options: { ...options, ...HELP_OPTION }, strict: true, allowPositionals: (allowPositionals ?? false) as P });
  } catch (error) {
    throw usageError((error as Error).message, usage);
  }
}

/** Prints the usage text for `--help`; the command's exit code. */
export function printUsage(usage: string): number {
  process.stdout.write(`${usage}\n`);
  return 0;
}

/**
 * A usage error as one line: what was wrong, and where the usage is
 * ("--source is required; run 'gatehouse audit verify --help'").
 */
export function usageError(message: string, usage: string): UsageError {
  return new UsageError(`${message.split('\n', 1)[0]}; run '${commandOf(usage)} --help'`);
}

/** "gatehouse replay session" from a usage text starting "usage: gatehouse replay session <id> …". */
function commandOf(usage: string): string {
  const words = usage.replace(/^usage:\s*/, '').split(/\s+/);
  const command: string[] = [];
  for (const word of words) {
    if (/^[-<[]/.test(word) || word.includes('|')) break;
    command.push(word);
  }
  return command.join(' ') || 'gatehouse';
}

/** The value of a required flag, or a usage error naming it. */
export function requiredFlag<V>(value: V | undefined, flag: string, usage: string): V {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) throw usageError(`${flag} is required`, usage);
  return value;
}

/** The value of a flag that must be one of `choices` ("--format must be text, json or asciicast"). */
export function choiceFlag<const C extends string>(value: string | undefined, flag: string, choices: readonly C[]): C {
  if (!choices.includes(value as C)) {
    throw new UsageError(`${flag} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`);
  }
  return value as C;
}
