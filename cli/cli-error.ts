import { type ErrorCode, GatehouseError } from '../engine/model/index.ts';

/**
 * A command could not do its work; reported as one line on stderr with its code, which also
 * gives the exit status (report-error.ts, exit-status.ts). A command that wraps a failure to
 * name itself in the message keeps the failure's code (codeOf), so the code still says what failed.
 */
export class CliError extends GatehouseError {
  constructor(message: string, code: ErrorCode = 'GATEHOUSE_COMMAND_FAILED') {
    super(code, message);
    this.name = 'CliError';
  }
}

/** A wrong command line: unknown command, flag or value (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 'GATEHOUSE_USAGE');
    this.name = 'UsageError';
  }
}

/** The code of a failure a command reports in its own words: its own, or GATEHOUSE_COMMAND_FAILED. */
export function codeOf(error: unknown): ErrorCode {
  return error instanceof GatehouseError ? error.code : 'GATEHOUSE_COMMAND_FAILED';
}
