import { UsageError } from './cli-error.ts';

// pino's levels; fatal and silent work but are not advertised.
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** `--log-level` of a long-running command (default info). */
export function logLevelFlag(command: string, value: string | undefined): string {
  const level = value ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`${command}: --log-level must be trace, debug, info, warn or error, got '${level}'`);
  return level;
}
