import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import type { AuditSink } from '../../audit/audit-sink.ts';
import type { JsonObject } from '../../engine/model/json.ts';
import { CatalogColumnOrigins } from '../../dataplane/postgres/column-origins.ts';
import { startPostgresProxy, type RunningPostgresProxy } from '../../dataplane/postgres/postgres-proxy.ts';
import { parseUpstreamUrl, UpstreamError, type UpstreamTarget } from '../../dataplane/postgres/upstream/upstream-connection.ts';
import { GrpcDecisionClient } from '../../dataplane/sdk/grpc-decision-client.ts';
import { CliError, UsageError } from '../cli-error.ts';

const HELP = `usage: gatehouse proxy postgres --upstream postgres://USER:PASSWORD@HOST:PORT/DB --resource ID [flags]

  --listen HOST:PORT        where clients connect (default 127.0.0.1:15432)
  --upstream URL            the real database, with the proxy's own credentials (scram-sha-256);
                            ?sslmode=require for TLS to it
  --resource ID             the Database resource id policies see (required)
  --resource-attr K=V       a resource attribute (repeatable; in the environment: K=V,K2=V2)
  --database NAME           the database name clients must ask for (default: the resource id)
  --decision HOST:PORT      the decision service (default 127.0.0.1:50051)
  --decision-ca F           PEM CA of the decision service: TLS to it
  --decision-cert F --decision-key F   client certificate for mTLS to the decision service
  --decision-timeout-ms N   time for one decision before it is a deny (default 5000)
  --tls-cert F --tls-key F  TLS for clients (required for clients that are not on loopback)
  --audit SPEC              file:PATH | kafka://HOST:PORT[,HOST:PORT] (default file:var/proxy-audit.jsonl)
  --journal DIR             audit journal for kafka:// (default var/proxy-journal)
  --audit-required B        true | false (default true: a session that cannot be recorded is closed)
  --max-message-bytes N     largest client message accepted (default 16777216)
  --log-level LEVEL         trace | debug | info | warn | error (default info)

Clients connect with a Gatehouse token (or OIDC JWT) as the password, e.g.
  PGPASSWORD="$TOKEN" psql "host=127.0.0.1 port=15432 dbname=orders user=planner"
Every flag can also be set as GATEHOUSE_PROXY_<FLAG> (e.g. GATEHOUSE_PROXY_UPSTREAM); flags win.`;

const FLAGS = {
  listen: { type: 'string' },
  upstream: { type: 'string' },
  resource: { type: 'string' },
  'resource-attr': { type: 'string', multiple: true },
  database: { type: 'string' },
  decision: { type: 'string' },
  'decision-ca': { type: 'string' },
  'decision-cert': { type: 'string' },
  'decision-key': { type: 'string' },
  'decision-timeout-ms': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  audit: { type: 'string' },
  journal: { type: 'string' },
  'audit-required': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

type FlagName = keyof typeof FLAGS;
type Flags = Partial<Record<Exclude<FlagName, 'resource-attr'>, string>> & { 'resource-attr'?: string[] };

export interface ProxyConfig {
  listen: { host: string; port: number };
  upstream: UpstreamTarget;
  resource: string;
  attributes: JsonObject;
  database: string;
  decision: string;
  decisionTls?: { ca: string; cert?: string; key?: string };
  decisionTimeoutMs: number;
  tls?: { cert: string; key: string };
  audit: string;
  journal: string;
  auditRequired: boolean;
  maxMessageBytes: number;
  logLevel: string;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const config = checkFlags(readFlags(argv, process.env));
  const logger = pino({ name: 'gatehouse-proxy-postgres', level: config.logLevel });
  const proxy = await start(config, logger);
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info({ signal }, 'shutting down: closing sessions');
      proxy.close().then(
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

/** Flags first, then GATEHOUSE_PROXY_<FLAG> environment variables (DESIGN.md "CLI"). */
export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  let values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true }));
  } catch (error) {
    throw new UsageError(`proxy postgres: ${(error as Error).message.split('\n', 1)[0]}; run 'gatehouse proxy postgres --help'`);
  }
  if (positionals.length > 0) throw new UsageError(`proxy postgres: unexpected argument '${positionals[0]}'`);
  const flags: Flags = {};
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const fromEnv = env[`GATEHOUSE_PROXY_${name.toUpperCase().replaceAll('-', '_')}`];
    if (name === 'resource-attr') {
      const fromFlag = values[name] as string[] | undefined;
      const list = fromFlag ?? (fromEnv ? fromEnv.split(',').filter((s) => s !== '') : undefined);
      if (list) flags['resource-attr'] = list;
      continue;
    }
    const fromFlag = values[name];
    const value = typeof fromFlag === 'string' ? fromFlag : fromEnv;
    if (value === undefined) continue;
    if (value === '') throw new UsageError(`proxy postgres: --${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}

export function checkFlags(flags: Flags): ProxyConfig {
  const address = (name: FlagName, fallback: string): { host: string; port: number } => {
    const value = (flags[name as Exclude<FlagName, 'resource-attr'>] as string | undefined) ?? fallback;
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
    if (!match || Number(match[2]) > 65535) throw new UsageError(`proxy postgres: --${name} must be HOST:PORT, got '${value}'`);
    return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
  };
  if (!flags.upstream) throw new UsageError('proxy postgres: --upstream postgres://USER:PASSWORD@HOST:PORT/DB is required');
  let upstream: UpstreamTarget;
  try {
    upstream = parseUpstreamUrl(flags.upstream);
  } catch (error) {
    throw new UsageError(`proxy postgres: ${(error as UpstreamError).message}`);
  }
  if (!upstream.user || !upstream.password) throw new UsageError('proxy postgres: --upstream must carry the proxy\'s user and password');
  if (!flags.resource) throw new UsageError('proxy postgres: --resource ID is required (the Database id policies see)');
  if (!/^[A-Za-z0-9_.:-]+$/.test(flags.resource)) throw new UsageError(`proxy postgres: --resource '${flags.resource}' may hold only letters, digits and _ . : -`);
  const attributes: JsonObject = {};
  for (const pair of flags['resource-attr'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`proxy postgres: --resource-attr must be KEY=VALUE, got '${pair}'`);
    attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const auditRequired = flags['audit-required'] ?? 'true';
  if (auditRequired !== 'true' && auditRequired !== 'false') throw new UsageError(`proxy postgres: --audit-required must be true or false, got '${auditRequired}'`);
  const audit = flags.audit ?? 'file:var/proxy-audit.jsonl';
  if (!/^file:.+/.test(audit) && !/^kafka:\/\/.+/.test(audit)) throw new UsageError(`proxy postgres: --audit must be file:PATH or kafka://HOST:PORT[,HOST:PORT], got '${audit}'`);
  const positive = (name: FlagName, fallback: number, max: number): number => {
    const text = flags[name as Exclude<FlagName, 'resource-attr'>] as string | undefined;
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`proxy postgres: --${name} must be an integer from 1 to ${max}, got '${text}'`);
    return n;
  };
  if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) throw new UsageError('proxy postgres: --tls-cert and --tls-key go together');
  if ((flags['decision-cert'] === undefined) !== (flags['decision-key'] === undefined)) throw new UsageError('proxy postgres: --decision-cert and --decision-key go together');
  if (flags['decision-cert'] !== undefined && flags['decision-ca'] === undefined) throw new UsageError('proxy postgres: --decision-cert needs --decision-ca (mTLS is on top of TLS)');
  const logLevel = flags['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) throw new UsageError(`proxy postgres: --log-level must be trace, debug, info, warn or error, got '${logLevel}'`);
  const decision = address('decision', '127.0.0.1:50051');
  const config: ProxyConfig = {
    listen: address('listen', '127.0.0.1:15432'),
    upstream,
    resource: flags.resource,
    attributes,
    database: flags.database ?? flags.resource,
    decision: `${decision.host.includes(':') ? `[${decision.host}]` : decision.host}:${decision.port}`,
    decisionTimeoutMs: positive('decision-timeout-ms', 5_000, 600_000),
    audit,
    journal: flags.journal ?? 'var/proxy-journal',
    auditRequired: auditRequired === 'true',
    maxMessageBytes: positive('max-message-bytes', 16 * 1024 * 1024, 1024 * 1024 * 1024),
    logLevel,
  };
  if (flags['decision-ca'] !== undefined) config.decisionTls = { ca: flags['decision-ca'], cert: flags['decision-cert'], key: flags['decision-key'] };
  if (flags['tls-cert'] !== undefined && flags['tls-key'] !== undefined) config.tls = { cert: flags['tls-cert'], key: flags['tls-key'] };
  return config;
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(`proxy postgres: cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Wires the real parts (decision client, audit sink, catalog, TLS) and starts listening. */
export async function start(config: ProxyConfig, logger: Logger): Promise<RunningPostgresProxy> {
  let credentials: grpc.ChannelCredentials | undefined;
  if (config.decisionTls) {
    const ca = await readPem(config.decisionTls.ca, '--decision-ca');
    const key = config.decisionTls.key ? await readPem(config.decisionTls.key, '--decision-key') : null;
    const cert = config.decisionTls.cert ? await readPem(config.decisionTls.cert, '--decision-cert') : null;
    credentials = grpc.credentials.createSsl(ca, key, cert);
  }
  let tls: SecureContext | undefined;
  if (config.tls) {
    try {
      tls = createSecureContext({ cert: await readPem(config.tls.cert, '--tls-cert'), key: await readPem(config.tls.key, '--tls-key') });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`proxy postgres: --tls-cert/--tls-key are not a usable certificate and key: ${(error as Error).message}`);
    }
  }
  let audit: AuditSink;
  try {
    audit = await createAuditSink(config.audit, {
      source: `gatehouse://${hostname()}/proxy-postgres/${config.resource}`,
      journalDir: config.journal,
      required: config.auditRequired,
      logger,
    });
  } catch (error) {
    throw new CliError(`proxy postgres: audit sink ${config.audit} cannot be opened: ${(error as Error).message.split('\n', 1)[0]}`);
  }
  const decisions = new GrpcDecisionClient({ address: config.decision, credentials, deadlineMs: config.decisionTimeoutMs });
  const origins = new CatalogColumnOrigins(config.upstream);
  let proxy: RunningPostgresProxy;
  try {
    proxy = await startPostgresProxy(
      {
        listen: config.listen,
        resource: { type: 'Database', id: config.resource, attributes: config.attributes },
        database: config.database,
        upstream: config.upstream,
        decisions,
        audit,
        origins,
        tls,
        maxMessageBytes: config.maxMessageBytes,
        approveHint: `gatehouse approvals approve {id} --decision ${config.decision}`,
      },
      (level, message, fields) => logger[level](fields ?? {}, message),
    );
  } catch (error) {
    decisions.close();
    await origins.close();
    await audit.close().catch(() => undefined);
    throw new CliError(`proxy postgres: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`);
  }
  logger.info(
    { listen: proxy.address, upstream: `${config.upstream.host}:${config.upstream.port}/${config.upstream.database}`, resource: config.resource, database: config.database, decision: config.decision, tls: tls !== undefined },
    'postgres proxy ready',
  );
  return {
    address: proxy.address,
    get sessions() {
      return proxy.sessions;
    },
    async close() {
      await proxy.close();
      decisions.close();
      await origins.close();
      await audit.close();
    },
  };
}
