import { parseArgs } from 'node:util';
import { UsageError } from './cli-error.ts';

/**
 * The flags of a long-running command: they take a value (`multiple` ones may repeat), except
 * switches (`boolean`), which are on when given (their variable holds true or false).
 */
export type StringFlagOptions = Record<string, { readonly type: 'string'; readonly multiple?: boolean } | { readonly type: 'boolean' }>;

/** What was given for each flag: a list for repeatable flags, 'true'/'false' for switches, else one string. */
export type FlagValues<O extends StringFlagOptions> = {
  [K in keyof O]?: O[K] extends { readonly multiple: true } ? string[] : O[K] extends { readonly type: 'boolean' } ? 'true' | 'false' : string;
};

export interface FlagSource<O extends StringFlagOptions> {
  /** The command words as users type them ('serve', 'proxy ssh'): every error names it. */
  command: string;
  options: O;
  /** `GATEHOUSE_` or `GATEHOUSE_PROXY_`: `--upstream-key` is then read from `<prefix>UPSTREAM_KEY`. */
  envPrefix: string;
}

/**
 * Flags first, then `<prefix><FLAG>` environment variables (docs/architecture.md "CLI"), so a service can
 * be configured from its unit file or container environment alone. A repeatable flag's
 * variable holds a comma-separated list. An empty value is a usage error, never "unset".
 */
export function readFlagsFromEnv<const O extends StringFlagOptions>(argv: string[], env: NodeJS.ProcessEnv, source: FlagSource<O>): FlagValues<O> {
  const { command, options, envPrefix } = source;
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true }));
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n', 1)[0]}; run 'gatehouse ${command} --help'`);
  }
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument '${positionals[0]}'; run 'gatehouse ${command} --help'`);
  const flags: Record<string, string | string[]> = {};
  for (const [name, option] of Object.entries(options)) {
    const fromFlag = values[name];
    const fromEnv = env[`${envPrefix}${name.toUpperCase().replaceAll('-', '_')}`];
    if (option.type === 'boolean') {
      if (fromFlag === true) flags[name] = 'true';
      else if (fromEnv !== undefined) {
        if (fromEnv !== 'true' && fromEnv !== 'false') throw new UsageError(`${command}: ${envPrefix}${name.toUpperCase().replaceAll('-', '_')} must be true or false`);
        flags[name] = fromEnv;
      }
      continue;
    }
    if (option.multiple) {
      const list = (fromFlag as string[] | undefined) ?? (fromEnv ? fromEnv.split(',').filter((s) => s !== '') : undefined);
      if (list) flags[name] = list;
      continue;
    }
    const value = typeof fromFlag === 'string' ? fromFlag : fromEnv;
    if (value === undefined) continue;
    if (value === '') throw new UsageError(`${command}: --${name} needs a value`);
    flags[name] = value;
  }
  return flags as FlagValues<O>;
}
