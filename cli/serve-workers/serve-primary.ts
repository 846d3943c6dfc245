import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, Counter, type Registry } from 'prom-client';
import type { AuditSink } from '../../audit/index.ts';
import { startMetricsServer, type MetricsServer } from '../../engine/server/index.ts';
import { isWorkerMessage, WORKER_ID_ENV, type AuditAppendResult, type PrimaryToWorker } from './worker-messages.ts';

export interface ServePrimaryOptions {
  workers: number;
  /** The service's one audit sink: every worker's events go through it, in one hash chain. */
  auditSink: AuditSink;
  /** Where the sink's metrics are; /metrics adds the workers' to them. */
  registry: Registry;
  metricsListen: string | undefined;
  logger: Logger;
  /** Time the workers get to finish their calls on SIGTERM before they are killed; default 15 s. */
  stopGraceMs?: number;
}

/** More replacements than this within RESTART_WINDOW_MS: the workers keep dying, so the service exits. */
const MAX_RESTARTS_PER_WINDOW = 5;
const RESTART_WINDOW_MS = 60_000;

interface Slot {
  id: number;
  worker: Worker;
  ready: boolean;
}

/**
 * The primary process of `serve --workers N`: forks N workers that each run the whole decision
 * API on the shared listening socket (Node's cluster module hands each accepted connection to
 * one worker, so a gRPC connection and its streams stay on one worker), owns the audit sink
 * the workers append through, serves /metrics for all of them, and keeps N alive.
 *
 * Fail closed: a worker that dies takes its connections with it (their callers see the
 * connection drop at once and retry elsewhere) and is replaced; a worker that fails before it
 * was ever ready, or workers that keep dying, stop the service with a non-zero exit.
 * Resolves with the exit code.
 */
export async function runServePrimary(options: ServePrimaryOptions): Promise<number> {
  const { logger, auditSink } = options;
  // Structured clone keeps the audit drafts' and events' shapes exactly, and is cheaper than JSON for them.
  cluster.setupPrimary({ serialization: 'advanced' });
  const aggregator = new AggregatorRegistry();
  const restarts = new Counter({
    name: 'gatehouse_worker_restarts_total',
    help: 'Decision service worker processes replaced after they died',
    registers: [options.registry],
  });

  const slots = new Map<number, Slot>();
  const restartTimes: number[] = [];
  let stopping = false;
  let startedAll = false;
  let metricsServer: MetricsServer | undefined;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const send = (worker: Worker, message: PrimaryToWorker) => {
    if (worker.isConnected()) worker.send(message, undefined, () => undefined);
  };

  const fork = (id: number): void => {
    const worker = cluster.fork({ [WORKER_ID_ENV]: String(id) });
    slots.set(id, { id, worker, ready: false });
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'gatehouse:audit-append') {
        auditSink.append(message.draft).then(
          ({ data: _written, ...envelope }) => send(worker, { type: 'gatehouse:audit-result', id: message.id, envelope } satisfies AuditAppendResult),
          (error: unknown) => send(worker, { type: 'gatehouse:audit-result', id: message.id, error: messageOf(error) }),
        );
        return;
      }
      const slot = slots.get(id);
      if (slot?.worker !== worker) return;
      slot.ready = true;
      if (startedAll) {
        logger.info({ worker: id, pid: worker.process.pid }, 'decision service worker replaced and ready');
      } else if ([...slots.values()].every((s) => s.ready) && slots.size === options.workers) {
        startedAll = true;
        void startMetrics().then(() =>
          logger.info({ address: message.address, workers: options.workers, metrics: metricsServer?.address }, 'decision service listening'),
        );
      }
    });
    worker.on('exit', (code, signal) => onExit(id, worker, code, signal));
  };

  const onExit = (id: number, worker: Worker, code: number | null, signal: string | null): void => {
    const slot = slots.get(id);
    if (slot?.worker !== worker) return;
    slots.delete(id);
    if (stopping) {
      if (slots.size === 0) void closeAll(0);
      return;
    }
    if (!slot.ready) {
      logger.error({ worker: id, code, signal }, 'decision service worker failed to start; stopping the service');
      void stop(1);
      return;
    }
    const now = Date.now();
    restartTimes.push(now);
    while (restartTimes.length > 0 && restartTimes[0]! <= now - RESTART_WINDOW_MS) restartTimes.shift();
    if (restartTimes.length > MAX_RESTARTS_PER_WINDOW) {
      logger.error({ worker: id, code, signal, restarts: restartTimes.length }, 'decision service workers keep dying; stopping the service');
      void stop(1);
      return;
    }
    logger.error({ worker: id, code, signal }, 'decision service worker died; its connections dropped; starting a replacement');
    restarts.inc();
    fork(id);
  };

  const startMetrics = async (): Promise<void> => {
    if (options.metricsListen === undefined || metricsServer) return;
    try {
      metricsServer = await startMetricsServer(options.metricsListen, {
        registry: {
          contentType: options.registry.contentType,
          metrics: async () => `${await aggregator.clusterMetrics()}\n${await options.registry.metrics()}`,
        },
        ready: () => !stopping && slots.size === options.workers && [...slots.values()].every((s) => s.ready),
      });
    } catch (error) {
      logger.error({ err: messageOf(error), metrics: options.metricsListen }, 'cannot serve metrics; stopping the service');
      void stop(1);
    }
  };

  let exitCode = 0;
  const stop = async (code: number): Promise<void> => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    if (slots.size === 0) return closeAll(exitCode);
    for (const slot of slots.values()) send(slot.worker, { type: 'gatehouse:stop' });
    const timer = setTimeout(() => {
      logger.warn('workers did not stop in time; killing them');
      for (const slot of slots.values()) slot.worker.process.kill('SIGKILL');
    }, options.stopGraceMs ?? 15_000);
    timer.unref();
  };

  let closing = false;
  const closeAll = async (code: number): Promise<void> => {
    if (closing) return;
    closing = true;
    let result = Math.max(code, exitCode);
    try {
      await auditSink.close();
    } catch (error) {
      logger.error({ err: messageOf(error) }, 'audit sink did not close cleanly');
      result = 1;
    }
    await metricsServer?.close();
    logger.info({ code: result }, 'decision service stopped');
    finish(result);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers without waiting');
      for (const slot of slots.values()) slot.worker.process.kill('SIGKILL');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down: the workers finish their in-flight calls');
    void stop(0);
  };
  const onHangup = (): void => {
    for (const slot of slots.values()) send(slot.worker, { type: 'gatehouse:reload' });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangup);

  for (let id = 1; id <= options.workers; id++) fork(id);
  const code = await finished;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.off('SIGHUP', onHangup);
  return code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
