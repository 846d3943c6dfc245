import { GatehouseError } from '../engine/model/index.ts';
import { exitStatusOf } from './exit-status.ts';

/**
 * Reports a failed command on stderr and returns its exit status. An error with a code is one
 * line, its message then its code (`gatehouse: --source is required [GATEHOUSE_USAGE]`), so a
 * script can match the code and a person reads the message; docs/errors.md lists the codes.
 * Anything else is a bug and keeps its stack for the report.
 */
export function reportError(error: unknown): number {
  if (error instanceof GatehouseError) {
    process.stderr.write(`gatehouse: ${error.message} [${error.code}]\n`);
    return exitStatusOf(error.code);
  }
  process.stderr.write(`gatehouse: internal error [GATEHOUSE_INTERNAL]: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return exitStatusOf('GATEHOUSE_INTERNAL');
}
