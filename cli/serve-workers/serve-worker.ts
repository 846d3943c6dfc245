import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { ServiceMetrics } from '../../engine/server/index.ts';
import { isPrimaryMessage, type WorkerReady } from './worker-messages.ts';

/** What a worker has started: the decision server of serve.ts, on the shared socket. */
export interface WorkerServer {
  readonly address: string;
  reload(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Labels this worker's metrics with its id and answers the primary's /metrics requests from
 * them (prom-client aggregates over the cluster IPC channel): `gatehouse_decisions_total{worker="2"}`
 * shows how calls spread over the workers.
 */
export function exposeWorkerMetrics(metrics: ServiceMetrics, workerId: string): void {
  metrics.registry.setDefaultLabels({ worker: workerId });
  AggregatorRegistry.setRegistries([metrics.registry]);
  // The constructor is what installs the worker's answer to the primary's metric requests.
  new AggregatorRegistry();
}

/**
 * Runs a started worker until the primary says stop, a signal arrives, or the primary is gone
 * (then the worker stops at once: without the primary it can audit nothing, so every decision
 * would be a deny). Resolves with the exit code.
 */
export function runWorkerUntilStopped(server: WorkerServer, logger: Logger): Promise<number> {
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (reason: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ reason }, 'worker shutting down: finishing in-flight calls');
      server.close().then(
        () => done(code),
        (error: unknown) => {
          logger.error({ err: String(error) }, 'worker shutdown failed');
          done(1);
        },
      );
    };
    // The channel is unreferenced (serve.ts): with the server closed, the process ends by itself.
    const done = (code: number): void => resolveExit(code);
    process.on('message', (message: unknown) => {
      if (!isPrimaryMessage(message)) return;
      if (message.type === 'gatehouse:stop') stop('primary asked', 0);
      else if (message.type === 'gatehouse:reload') void server.reload();
    });
    process.once('disconnect', () => stop('the primary process is gone', 1));
    // A terminal's Ctrl-C reaches every process of the group; the primary's stop follows.
    process.on('SIGTERM', () => stop('SIGTERM', 0));
    process.on('SIGINT', () => stop('SIGINT', 0));
    // SIGHUP is the primary's to forward; a worker that received it directly reloads as well.
    process.on('SIGHUP', () => void server.reload());
    const ready: WorkerReady = { type: 'gatehouse:worker-ready', address: server.address };
    process.send?.(ready);
  });
}
