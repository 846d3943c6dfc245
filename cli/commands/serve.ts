import cluster from 'node:cluster';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { AuditSink } from '../../audit/index.ts';
import type { ApprovalGate, TokenGate } from '../../engine/decision/index.ts';
import { initFactExtractors } from '../../engine/evaluation/index.ts';
import { bundleFileSource, policyDirSource, type BundleSource } from '../../engine/decision/index.ts';
import { startDecisionServer, type ServiceRegistrar, type TlsFiles } from '../../engine/server/index.ts';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../../engine/decision/index.ts';
import { ServiceMetrics } from '../../engine/server/index.ts';
import { createStateStore } from '../../engine/control/index.ts';
import { evaluateRequest } from '../../engine/bundle/index.ts';
import { ActiveBundle } from '../../engine/decision/index.ts';
import { openTokenSubsystem } from '../../engine/control/index.ts';
import { registerTokenAndApprovalServices } from '../../engine/server/index.ts';
import { checkAuditFlags, openAuditSink, type AuditSettings } from '../audit-settings.ts';
import { CliError, codeOf, UsageError } from '../cli-error.ts';
import { printUsage } from '../command-args.ts';
import { readFlagsFromEnv, type FlagValues } from '../flags-from-env.ts';
import { hostPortFlag } from '../host-port.ts';
import { unixSocketFlag } from '../unix-socket-flag.ts';
import { logLevelFlag } from '../log-level-flag.ts';
import { runUntilSignalled } from '../run-until-signalled.ts';
import { redactingLogger } from '../redacting-logger.ts';
import { ForwardingAuditSink } from '../serve-workers/forwarding-audit-sink.ts';
import { runServePrimary } from '../serve-workers/serve-primary.ts';
import { exposeWorkerMetrics, runWorkerUntilStopped } from '../serve-workers/serve-worker.ts';
import { serveWorkerCount } from '../serve-workers/worker-count.ts';
import { WORKER_ID_ENV } from '../serve-workers/worker-messages.ts';
import { Registry } from 'prom-client';

const HELP = `usage: gatehouse serve [--bundle B] [flags]

  --bundle B              bundle file (gatehouse build output) or policy directory; default: build
                          the shipped policy/ into var/bundle.tar.gz and serve it
  --listen HOST:PORT      gRPC address (default 127.0.0.1:50051), or unix:/ABSOLUTE/PATH for
                          a Unix domain socket (owner-only, 0600) for a proxy on the same host
  --metrics HOST:PORT     /metrics, /healthz, /readyz over HTTP (default 127.0.0.1:9464; "off" for none)
  --audit SPEC            file:PATH | kafka://HOST:PORT[,HOST:PORT] (default file:var/audit.jsonl)
  --journal DIR           audit journal for kafka:// (default var/journal)
  --journal-max-bytes N   size bound of the journal in bytes (default 1073741824, 1 GiB); when it is
                          full, decisions are denied unless --audit-required=false
  --audit-required B      true | false (default true: a decision that cannot be audited is denied)
  --audit-drain-ms N      a graceful stop ships what is left for at most N ms (default 3000); the
                          rest stays in the journal and ships at the next start (kafka://)
  --audit-source URI      CloudEvents source of this instance's events and hash chain (default
                          gatehouse://<hostname>/serve); give each replica on one host its own
  --verification-key F    PEM public key; only bundles signed with it are activated
  --tls-cert F --tls-key F [--client-ca F]   TLS; with --client-ca, clients need a certificate (mTLS)
  --state SPEC            memory | postgres://… (default memory)
  --oidc-issuer URL --oidc-audience AUD [--oidc-jwks URL|FILE] [--oidc-groups-claim groups]
  --kek-file F            key-encryption key for signing keys at rest (32 bytes: hex, base64 or raw);
                          also GATEHOUSE_KEK; required with --state postgres://…
  --trust-caller-facts    evaluate context.sql/context.command facts a caller sends without their
                          text (default off: such facts are dropped and the reasons say so)
  --workers N|auto        processes serving the decision API on the one listening socket (default 1;
                          auto: one per available core); each gRPC connection stays on one worker.
                          More than 1 needs --state postgres://… (workers share approvals, token
                          uses, revocations and idempotency through it); the first process owns the
                          audit sink, so all workers' events form one hash chain, and /metrics
                          labels each worker's series worker="N". A worker that dies is replaced;
                          one that cannot start stops the service (docs/deployment.md)
  --evaluation-threads N  policy evaluation threads per worker (default 0: evaluate on the thread
                          that serves gRPC)
  --log-level LEVEL       trace | debug | info | warn | error (default info)

SIGHUP reloads the bundle now; SIGTERM/SIGINT shut down gracefully.

Every flag can also be set as GATEHOUSE_<FLAG> (e.g. GATEHOUSE_LISTEN=127.0.0.1:50051); flags win.`;

const FLAGS = {
  bundle: { type: 'string' },
  listen: { type: 'string' },
  metrics: { type: 'string' },
  audit: { type: 'string' },
  journal: { type: 'string' },
  'journal-max-bytes': { type: 'string' },
  'audit-required': { type: 'string' },
  'audit-source': { type: 'string' },
  'audit-drain-ms': { type: 'string' },
  'verification-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'client-ca': { type: 'string' },
  state: { type: 'string' },
  'oidc-issuer': { type: 'string' },
  'oidc-audience': { type: 'string' },
  'oidc-jwks': { type: 'string' },
  'oidc-groups-claim': { type: 'string' },
  'kek-file': { type: 'string' },
  workers: { type: 'string' },
  'evaluation-threads': { type: 'string' },
  'trust-caller-facts': { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

type Flags = FlagValues<typeof FLAGS>;

const COMMAND = 'serve';

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) return printUsage(HELP);
  const flags = readFlags(argv, process.env);
  const config = checkFlags(flags);
  const logger = redactingLogger('gatehouse', config.logLevel);

  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  const workerId = cluster.isWorker ? process.env[WORKER_ID_ENV] : undefined;
  if (workerId !== undefined) return runWorker(config, logger.child({ worker: Number(workerId) }), workerId);

  const server = await start(config, logger);
  // SIGHUP reloads the bundle now, as a file change would (and with the same checks).
  process.on('SIGHUP', () => void server.reload());
  return runUntilSignalled(server, logger, 'shutting down: finishing in-flight calls');
}

export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  return readFlagsFromEnv(argv, env, { command: COMMAND, options: FLAGS, envPrefix: 'GATEHOUSE_' });
}

export interface ServeConfig extends AuditSettings {
  bundle?: string;
  listen: string;
  metrics?: string;
  /** Journal size bound for kafka://; the sink's default (1 GiB) when absent. */
  journalMaxBytes?: number;
  verificationKey?: string;
  tls?: { cert: string; key: string; clientCa?: string };
  state: string;
  oidc?: { issuer: string; audience: string; jwks?: string; groupsClaim: string };
  kekFile?: string;
  /** `--workers`: processes serving the decision API (cli/serve-workers). */
  workers: number;
  /** `--evaluation-threads`: policy evaluation threads in each of them. */
  evaluationThreads: number;
  trustCallerFacts: boolean;
  logLevel: string;
}

export function checkFlags(flags: Flags): ServeConfig {
  // The configured text is what is listened on; the check only refuses what is not HOST:PORT.
  const address = (name: 'listen' | 'metrics', fallback: string): string => {
    const value = flags[name] ?? fallback;
    // gRPC also listens on a Unix domain socket (co-location with a proxy); metrics stay on TCP.
    if (name === 'listen' && unixSocketFlag(COMMAND, name, value) !== undefined) return value;
    hostPortFlag(COMMAND, name, value);
    return value;
  };
  const auditSettings = checkAuditFlags(COMMAND, flags, { audit: 'file:var/audit.jsonl', journal: 'var/journal' });
  const journalMaxBytes = flags['journal-max-bytes'];
  if (journalMaxBytes !== undefined && (!/^[1-9]\d*$/.test(journalMaxBytes) || !Number.isSafeInteger(Number(journalMaxBytes)))) {
    throw new UsageError(`serve: --journal-max-bytes must be a positive whole number of bytes, got '${journalMaxBytes}'`);
  }
  const state = flags.state ?? 'memory';
  if (state !== 'memory' && !/^postgres(ql)?:\/\/.+/.test(state)) {
    throw new UsageError(`serve: --state must be memory or a postgres://… URL`);
  }
  if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) {
    throw new UsageError('serve: --tls-cert and --tls-key go together');
  }
  if (flags['client-ca'] !== undefined && flags['tls-cert'] === undefined) {
    throw new UsageError('serve: --client-ca needs --tls-cert and --tls-key (mTLS is on top of TLS)');
  }
  const oidcFlags = (['oidc-issuer', 'oidc-audience', 'oidc-jwks', 'oidc-groups-claim'] as const).filter((name) => flags[name] !== undefined);
  if (oidcFlags.length > 0 && (flags['oidc-issuer'] === undefined || flags['oidc-audience'] === undefined)) {
    throw new UsageError('serve: --oidc-issuer and --oidc-audience are both required to accept OIDC tokens');
  }
  const logLevel = logLevelFlag(COMMAND, flags['log-level']);
  const evaluationThreads = flags['evaluation-threads'] ?? '0';
  if (!/^\d{1,2}$/.test(evaluationThreads) || Number(evaluationThreads) > 64) {
    throw new UsageError(`serve: --evaluation-threads must be a whole number from 0 to 64, got '${evaluationThreads}'`);
  }
  const workers = serveWorkerCount(flags.workers);
  if (workers > 1 && state === 'memory') {
    throw new UsageError(`serve: --workers ${workers} needs --state postgres://… (the workers share approvals, token uses, revocations and idempotency through it)`);
  }
  if (workers > 1 && unixSocketFlag(COMMAND, 'listen', flags.listen ?? '') !== undefined) {
    throw new UsageError('serve: --listen unix:… serves with one worker; use --workers 1, or a HOST:PORT address for more');
  }
  const config: ServeConfig = {
    workers,
    evaluationThreads: Number(evaluationThreads),
    trustCallerFacts: flags['trust-caller-facts'] === 'true',
    listen: address('listen', '127.0.0.1:50051'),
    ...auditSettings,
    state,
    logLevel,
  };
  if (flags.metrics !== 'off') config.metrics = address('metrics', '127.0.0.1:9464');
  if (flags.bundle !== undefined) config.bundle = flags.bundle;
  if (journalMaxBytes !== undefined) config.journalMaxBytes = Number(journalMaxBytes);
  if (flags['verification-key'] !== undefined) config.verificationKey = flags['verification-key'];
  if (flags['tls-cert'] !== undefined && flags['tls-key'] !== undefined) {
    config.tls = { cert: flags['tls-cert'], key: flags['tls-key'] };
    if (flags['client-ca'] !== undefined) config.tls.clientCa = flags['client-ca'];
  }
  if (flags['kek-file'] !== undefined) config.kekFile = flags['kek-file'];
  if (flags['oidc-issuer'] !== undefined && flags['oidc-audience'] !== undefined) {
    config.oidc = { issuer: flags['oidc-issuer'], audience: flags['oidc-audience'], groupsClaim: flags['oidc-groups-claim'] ?? 'groups' };
    if (flags['oidc-jwks'] !== undefined) config.oidc.jwks = flags['oidc-jwks'];
  }
  return config;
}

/** The parts chosen by --state, --oidc-* and --kek-file: tokens, identity and approvals. */
interface StateWiring {
  idempotency: IdempotencyStore;
  active: ActiveBundle;
  tokenGate: TokenGate;
  approvalGate: ApprovalGate;
  extraServices: (registrar: ServiceRegistrar) => void | Promise<void>;
  close(): Promise<void>;
}

async function wireState(config: ServeConfig, auditSink: AuditSink, logger: Logger): Promise<StateWiring> {
  const store = await createStateStore(config.state);
  // The approval manager decides approval.review with the active bundle, which exists only
  // once the server has activated it: both share this holder.
  const active = new ActiveBundle();
  try {
    const tokens = await openTokenSubsystem({
      store,
      auditSink,
      logger,
      env: process.env,
      ...(config.oidc ? { oidc: config.oidc } : {}),
      ...(config.kekFile ? { kekFile: config.kekFile } : {}),
      decide: async (input) => {
        const bundle = active.current();
        return bundle ? evaluateRequest(bundle, input) : { effect: 'deny', reasons: ['service: no active policy bundle'], obligations: {}, engines: [] };
      },
      revision: () => active.current()?.revision ?? '',
    });
    // One process needs no shared retry memory: the bounded LRU keeps memory flat under load.
    const idempotency = store.kind === 'memory' ? new MemoryIdempotencyStore() : store;
    return {
      idempotency,
      active,
      tokenGate: tokens.tokenGate,
      approvalGate: tokens.approvalGate,
      extraServices: (registrar) => registerTokenAndApprovalServices(tokens, registrar),
      close: async () => {
        tokens.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The one place the real parts are chosen and connected: bundle source, audit sink, state,
 * gates, TLS. Every failure here is one line on stderr and a non-zero exit.
 */
async function start(
  config: ServeConfig,
  logger: Logger,
  /** A worker's: its labelled metrics and the sink that forwards to the primary. */
  parts?: { metrics: ServiceMetrics; auditSink: AuditSink },
) {
  const bundleSource = await chooseBundleSource(config);
  const tls = config.tls ? await readTls(config.tls) : undefined;
  await initFactExtractors();
  const metrics = parts?.metrics ?? new ServiceMetrics();
  const auditSink = parts?.auditSink ?? (await openServeAuditSink(config, metrics.registry, logger));
  let state: StateWiring;
  try {
    state = await wireState(config, auditSink, logger);
  } catch (error) {
    await auditSink.close().catch(() => undefined);
    throw new CliError(`state ${redactUrl(config.state)} cannot be used: ${firstLine(error)}`, codeOf(error));
  }
  try {
    const server = await startDecisionServer({
      bundleSource,
      auditSink,
      auditRequired: config.auditRequired,
      listen: config.listen,
      metricsListen: config.metrics,
      tls,
      idempotency: state.idempotency,
      active: state.active,
      evaluationWorkers: config.evaluationThreads,
      trustCallerFacts: config.trustCallerFacts,
      tokenGate: state.tokenGate,
      approvalGate: state.approvalGate,
      extraServices: state.extraServices,
      logger,
      metrics,
    });
    return {
      address: server.address,
      reload: () => server.reload(),
      close: async () => {
        await server.close();
        await state.close();
      },
    };
  } catch (error) {
    await auditSink.close().catch(() => undefined);
    await state.close().catch(() => undefined);
    throw new CliError(firstLine(error), codeOf(error));
  }
}

function openServeAuditSink(config: ServeConfig, registry: Registry, logger: Logger): Promise<AuditSink> {
  return openAuditSink(config, {
    source: `gatehouse://${hostname()}/serve`,
    ...(config.journalMaxBytes !== undefined ? { journalMaxBytes: config.journalMaxBytes } : {}),
    registry,
    logger,
  });
}

/**
 * `--workers N` (N > 1), the first process: it owns the audit sink (one hash chain for every
 * worker's events) and /metrics, and keeps N workers serving; docs/deployment.md "Workers: more than one core per replica".
 */
async function runPrimary(config: ServeConfig, logger: Logger): Promise<number> {
  const registry = new Registry();
  const auditSink = await openServeAuditSink(config, registry, logger);
  return runServePrimary({ workers: config.workers, auditSink, registry, metricsListen: config.metrics, logger });
}

/** A worker of `--workers N`: the whole decision API, its audit events forwarded to the primary. */
async function runWorker(config: ServeConfig, logger: Logger, workerId: string): Promise<number> {
  // The IPC channel must not keep the worker alive once its server is closed (or never started),
  // and disconnecting it would end the process with exit code 0 whatever went wrong.
  process.channel?.unref();
  const metrics = new ServiceMetrics();
  exposeWorkerMetrics(metrics, workerId);
  const { metrics: _primaryServesMetrics, ...workerConfig } = config;
  const server = await start(workerConfig, logger, { metrics, auditSink: new ForwardingAuditSink() });
  return runWorkerUntilStopped(server, logger);
}

async function chooseBundleSource(config: ServeConfig): Promise<BundleSource> {
  // Workers each build a policy directory, so each writes its own file.
  const workerId = cluster.isWorker ? process.env[WORKER_ID_ENV] : undefined;
  const out = resolve('var', workerId === undefined ? 'bundle.tar.gz' : `bundle-worker-${workerId}.tar.gz`);
  if (config.bundle === undefined) {
    return policyDirSource(join(PACKAGE_ROOT, 'policy'), { out, verificationKey: config.verificationKey });
  }
  let isDir: boolean;
  try {
    isDir = (await stat(config.bundle)).isDirectory();
  } catch (error) {
    throw new CliError(`bundle ${config.bundle} cannot be read: ${(error as NodeJS.ErrnoException).code ?? firstLine(error)}`);
  }
  return isDir
    ? policyDirSource(config.bundle, { out, verificationKey: config.verificationKey })
    : bundleFileSource(config.bundle, { verificationKey: config.verificationKey });
}

async function readTls(files: { cert: string; key: string; clientCa?: string }): Promise<TlsFiles> {
  const read = async (flag: string, path: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new CliError(`--${flag} ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? firstLine(error)}`);
    }
  };
  const tls: TlsFiles = { cert: await read('tls-cert', files.cert), key: await read('tls-key', files.key) };
  if (files.clientCa !== undefined) tls.clientCa = await read('client-ca', files.clientCa);
  return tls;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0];
}

function redactUrl(spec: string): string {
  return spec.replace(/\/\/[^@/]*@/, '//…@');
}
