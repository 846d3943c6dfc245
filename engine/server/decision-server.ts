import * as grpc from '@grpc/grpc-js';
import { clearStaleSocket, listenOwnerOnly, unixSocketPathOf } from '../runtime/index.ts';
import { HealthImplementation } from 'grpc-health-check';
import { pino, type Logger } from 'pino';
import type { AuditSink } from '../../audit/index.ts';
import { computeFacts } from '../evaluation/index.ts';
import type { ApprovalGate, TokenGate } from '../decision/index.ts';
import { stat } from 'node:fs/promises';
import { ActiveBundle, type ActivatableBundle } from '../decision/index.ts';
import type { BundleSource } from '../decision/index.ts';
import { BundleReloader, type ReloadResult } from '../decision/index.ts';
import { decisionServiceHandlers, StreamRegistry } from './decision-grpc-service.ts';
import { DecisionPipeline, type FactComputer } from '../decision/index.ts';
import { EvaluationPool } from '../decision/index.ts';
import { pooledBundleSource } from '../decision/index.ts';
import type { IdempotencyStore } from '../decision/index.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';
import { loadApiDescriptors } from '../../proto/api-descriptors.ts';
import { loadGatehouseProtos, SERVICE_NAMES, type GatehouseProtos } from '../../proto/gatehouse-protos.ts';
import { RecordingServer } from './recording-server.ts';
import { addReflectionService } from './reflection-service.ts';
import { ServiceMetrics } from './service-metrics.ts';
import { ServiceStartError } from './service-start-error.ts';

export const DECISION_SERVICE_NAME = SERVICE_NAMES.DecisionService;

export interface TlsFiles {
  /** PEM server certificate chain and key. */
  cert: Buffer;
  key: Buffer;
  /** PEM CA bundle; when set, clients must present a certificate it signed (mTLS). */
  clientCa?: Buffer;
}

/** What extraServices receives to register more gRPC services (TokenService, ApprovalService). */
export interface ServiceRegistrar {
  server: grpc.Server;
  protos: GatehouseProtos;
  /** Report a registered service's name here so health answers for it. */
  health: HealthImplementation;
  pipeline: DecisionPipeline;
  active: ActiveBundle;
  logger: Logger;
}

export interface DecisionServerOptions {
  /** Loaded before the server listens (a failure is fatal) and reloaded on change. */
  bundleSource: BundleSource;
  /** Decision events go here before each answer. The server closes (flushes) it on close(). */
  auditSink: AuditSink;
  /** Default true: an event that cannot be written turns the answer into a deny. */
  auditRequired?: boolean;
  /** gRPC listen address `host:port` (port 0 picks a free one) or `unix:/PATH`. Default 127.0.0.1:50051. */
  listen?: string;
  /** Metrics/health HTTP address `host:port`, or undefined for none. */
  metricsListen?: string;
  /** Without it the server listens in plaintext (loopback and tests only). */
  tls?: TlsFiles;
  tokenGate?: TokenGate;
  approvalGate?: ApprovalGate;
  /** Default: in-memory LRU (one process). */
  idempotency?: IdempotencyStore;
  /**
   * The holder the bundle is activated into. Pass one created beforehand (`new ActiveBundle()`)
   * when parts built before the server need the active bundle, e.g. an ApprovalManager that
   * decides `approval.review` with `evaluateRequest(active.current(), input)`.
   */
  active?: ActiveBundle;
  /** Registers more services on the same server (the token engineer's TokenService and ApprovalService). */
  extraServices?: (registrar: ServiceRegistrar) => void | Promise<void>;
  /** Service clock; default `new Date()`. */
  clock?: () => Date;
  /** Default engine/evaluation/facts computeFacts. */
  computeFacts?: FactComputer;
  /** Evaluate facts callers send without text (`serve --trust-caller-facts`); default false. */
  trustCallerFacts?: boolean;
  logger?: Logger;
  metrics?: ServiceMetrics;
  /** Time close() lets in-flight calls finish before cancelling them; default 10 s. */
  shutdownGraceMs?: number;
  /**
   * Worker threads that run the policy engines (facts, tokens, approvals, audit and gRPC stay
   * on the service thread); each loads the active bundle, and a reload activates only when
   * all of them hold the new revision. 0 (the default) evaluates on the service thread;
   * docs/performance.md "Decision service" has the measurements behind the default.
   */
  evaluationWorkers?: number;
  /** An evaluation a worker has not answered in this time is denied and the worker replaced; default 10 s. */
  evaluationTimeoutMs?: number;
}

export interface RunningDecisionServer {
  /** `host:port` actually bound. */
  readonly address: string;
  readonly port: number;
  readonly metricsAddress: string | undefined;
  readonly active: ActiveBundle;
  readonly metrics: ServiceMetrics;
  readonly pipeline: DecisionPipeline;
  /** Loads the bundle source now (as a file change would) and activates it when good. */
  reload(): Promise<ReloadResult>;
  /** Graceful: refuses new calls, finishes in-flight ones, ends streams, flushes audit, releases the bundle. */
  close(): Promise<void>;
}

/**
 * The decision service: DecisionService + grpc.health.v1.Health + server reflection on one
 * gRPC server, metrics and health over HTTP, hot reload of the bundle. The wiring of real
 * parts (which sink, which state store, which gates) is the caller's: cli/commands/serve.ts.
 */
export async function startDecisionServer(options: DecisionServerOptions): Promise<RunningDecisionServer> {
  const logger = options.logger ?? pino({ name: 'gatehouse' });
  const metrics = options.metrics ?? new ServiceMetrics();
  const protos = loadGatehouseProtos();

  const active = options.active ?? new ActiveBundle();
  const pool = await startEvaluationPool(options, logger);
  const bundleSource = pool
    ? pooledBundleSource(options.bundleSource, pool.pool, { bundleFile: pool.bundleFile, activeRevision: () => active.current()?.revision })
    : options.bundleSource;
  // Everything started so far, in the order a failed start must stop it.
  const release = async () => {
    await active.close();
    await pool?.pool.close();
  };

  let initial: ActivatableBundle;
  try {
    initial = await bundleSource.load();
  } catch (error) {
    await pool?.pool.close();
    throw new ServiceStartError(`bundle ${options.bundleSource.path} not activated: ${messageOf(error)}`, { cause: error });
  }
  await active.swap(initial);
  metrics.activated(initial.revision);
  active.onSwap((bundle) => {
    metrics.activated(bundle.revision);
    logger.info({ revision: bundle.revision }, 'policy bundle activated');
  });
  logger.info({ revision: initial.revision, bundle: options.bundleSource.path }, 'policy bundle activated');

  const pipeline = new DecisionPipeline({
    bundles: active,
    computeFacts: options.computeFacts ?? computeFacts,
    trustCallerFacts: options.trustCallerFacts ?? false,
    auditSink: options.auditSink,
    auditRequired: options.auditRequired,
    tokenGate: options.tokenGate,
    approvalGate: options.approvalGate,
    idempotency: options.idempotency,
    clock: options.clock,
    observer: metrics,
    onFailure: (stage, error) => logger.warn({ stage, err: messageOf(error) }, 'decision failed closed'),
  });

  const server = new RecordingServer({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  const streams = new StreamRegistry();
  server.addService(
    protos.services.DecisionService.service,
    decisionServiceHandlers(pipeline, streams, {
      refused: (code) => metrics.requestRefused(code),
      failed: (error) => logger.error({ err: messageOf(error) }, 'decision handler failed'),
    }),
  );
  const health = new HealthImplementation({ '': 'SERVING', [DECISION_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  addReflectionService(server, loadApiDescriptors(), () => server.serviceNames());
  try {
    await options.extraServices?.({ server, protos, health, pipeline, active, logger });
  } catch (error) {
    await release();
    throw new ServiceStartError(`extra gRPC services could not be registered: ${messageOf(error)}`, { cause: error });
  }

  const reloader = new BundleReloader({
    path: options.bundleSource.path,
    load: bundleSource.load,
    relevant: options.bundleSource.relevant,
    active,
    onResult: (result) => {
      metrics.reloaded(result);
      if (result.outcome === 'unchanged') logger.info({ revision: result.revision }, 'bundle reloaded: same revision, nothing to activate');
      if (result.outcome === 'failed') {
        logger.error({ err: messageOf(result.error), bundle: options.bundleSource.path }, 'bundle reload refused; the active bundle stays');
      }
    },
  });

  const listen = options.listen ?? '127.0.0.1:50051';
  let port: number;
  try {
    const socketPath = unixSocketPathOf(listen);
    if (socketPath === undefined) port = await bind(server, listen, credentialsOf(options.tls));
    else {
      await clearStaleSocket(socketPath);
      port = await listenOwnerOnly(socketPath, () => bind(server, listen, credentialsOf(options.tls)));
    }
  } catch (error) {
    await release();
    throw new ServiceStartError(`cannot listen on ${listen}: ${messageOf(error)}`, { cause: error });
  }
  const address = unixSocketPathOf(listen) !== undefined ? listen : `${hostOf(listen)}:${port}`;

  let metricsServer: MetricsServer | undefined;
  let draining = false;
  if (options.metricsListen) {
    try {
      metricsServer = await startMetricsServer(options.metricsListen, {
        registry: metrics.registry,
        ready: () => !draining && active.current() !== undefined,
      });
    } catch (error) {
      server.forceShutdown();
      await release();
      throw new ServiceStartError(`cannot serve metrics on ${options.metricsListen}: ${messageOf(error)}`, { cause: error });
    }
  }
  if (options.bundleSource.watch !== false) await reloader.start();
  logger.info({ address, tls: options.tls !== undefined, mtls: options.tls?.clientCa !== undefined, metrics: metricsServer?.address }, 'decision service listening');

  let closing: Promise<void> | undefined;
  const close = async () => {
    draining = true;
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(DECISION_SERVICE_NAME, 'NOT_SERVING');
    await reloader.close();
    streams.drainAll();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn('shutdown grace period over; cancelling remaining calls');
        server.forceShutdown();
        resolve();
      }, options.shutdownGraceMs ?? 10_000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      await options.auditSink.close();
    } catch (error) {
      logger.error({ err: messageOf(error) }, 'audit sink did not close cleanly');
    }
    await release();
    await metricsServer?.close();
    logger.info('decision service stopped');
  };

  return {
    address,
    port,
    metricsAddress: metricsServer?.address,
    active,
    metrics,
    pipeline,
    reload: () => reloader.reload(),
    close: () => (closing ??= close()),
  };
}

/**
 * The evaluation pool, when workers are asked for and the source names the bundle file the
 * workers can load (`bundleFile`, or `path` when that is a file).
 */
async function startEvaluationPool(options: DecisionServerOptions, logger: Logger): Promise<{ pool: EvaluationPool; bundleFile: string } | undefined> {
  const size = options.evaluationWorkers ?? 0;
  if (size === 0) return undefined;
  const bundleFile = await bundleFileOf(options.bundleSource);
  if (!bundleFile) {
    logger.warn({ bundle: options.bundleSource.path }, 'evaluation workers need a bundle file; evaluating on the service thread');
    return undefined;
  }
  const pool = EvaluationPool.start({
    size,
    timeoutMs: options.evaluationTimeoutMs,
    onWorkerFailure: (message) => logger.error(message),
  });
  logger.info({ workers: size }, 'evaluation workers started');
  return { pool, bundleFile };
}

async function bundleFileOf(source: BundleSource): Promise<string | undefined> {
  if (source.bundleFile !== undefined) return source.bundleFile;
  try {
    return (await stat(source.path)).isFile() ? source.path : undefined;
  } catch {
    return undefined;
  }
}

function credentialsOf(tls: TlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

function hostOf(listen: string): string {
  const index = listen.lastIndexOf(':');
  return index < 0 ? listen : listen.slice(0, index);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
