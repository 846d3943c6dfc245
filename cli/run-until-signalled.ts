import type { Logger } from 'pino';

/** What a long-running command has started: closing it finishes or ends its work. */
export interface Stoppable {
  close(): Promise<void>;
}

/**
 * Resolves with the exit code once SIGTERM or SIGINT has stopped `running` gracefully: 0 when
 * it closed cleanly, 1 when closing failed. A second signal while closing exits at once, for
 * the operator who does not want to wait.
 */
export function runUntilSignalled(running: Stoppable, logger: Logger, shuttingDown: string): Promise<number> {
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, shuttingDown);
      running.close().then(
        () => resolveExit(0),
        (error: unknown) => {
          logger.error({ err: String(error) }, 'shutdown failed');
          resolveExit(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
