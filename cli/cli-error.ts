/**
 * Errors a CLI command reports as one line on stderr. `exitCode` 2 is a usage or load
 * error (the convention of `gatehouse test`); other failures use 1 unless a command
 * documents otherwise (replay uses 3 for "decisions changed").
 */
export class CliError extends Error {
  readonly code = 'GATEHOUSE_CLI';
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
