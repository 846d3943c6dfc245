import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { CatalogColumnOrigins } from '../../dataplane/postgres/index.ts';
import { DEFAULT_MAX_SESSIONS, startPostgresProxy, type RunningPostgresProxy } from '../../dataplane/postgres/index.ts';
import { DEFAULT_SESSION_LIMITS } from '../../dataplane/postgres/index.ts';
import { PrivilegedUpstreamError } from '../../dataplane/postgres/index.ts';
import { parseUpstreamUrl, type UpstreamError, type UpstreamTarget } from '../../dataplane/postgres/index.ts';
import { FairDecisionClient } from '../../dataplane/sdk/index.ts';
import { checkAuditFlags, openAuditSink, proxyAuditDefaults, type AuditSettings } from '../audit-settings.ts';
import { CliError, codeOf, UsageError } from '../cli-error.ts';
import { printUsage } from '../command-args.ts';
import { postgresListenFlag } from '../postgres-listen-flag.ts';
import { checkDecisionServiceFlags, decisionServiceCredentials, type DecisionServiceSettings } from '../decision-service-flags.ts';
import { readFlagsFromEnv, type FlagValues } from '../flags-from-env.ts';
import type { HostPort } from '../host-port.ts';
import { positiveIntegerFlag } from '../integer-flag.ts';
import { logLevelFlag } from '../log-level-flag.ts';
import { readFlagFile } from '../read-flag-file.ts';
import { checkResourceFlags, type GuardedResource } from '../resource-flags.ts';
import { runUntilSignalled } from '../run-until-signalled.ts';
import { redactingLogger } from '../redacting-logger.ts';

const HELP = `usage: gatehouse proxy postgres --upstream postgres://USER:PASSWORD@HOST:PORT/DB --resource ID [flags]

  --listen HOST:PORT        where clients connect (default 127.0.0.1:15432), or unix:DIR for the
                            socket DIR/.s.PGSQL.5432 (unix:DIR/.s.PGSQL.PORT for another port;
                            owner-only, 0600): psql -h DIR -p PORT
  --upstream URL            the real database, with the proxy's own credentials (scram-sha-256);
                            ?sslmode=require for TLS to it; a non-superuser role without BYPASSRLS
  --allow-privileged-upstream B   true: start even when the upstream role is a superuser or has
                            BYPASSRLS (default false: the proxy refuses to start)
  --resource ID             the Database resource id policies see (required)
  --resource-attr K=V       a resource attribute (repeatable; in the environment: K=V,K2=V2)
  --database NAME           the database name clients must ask for (default: the resource id)
  --decision HOST:PORT      the decision service (default 127.0.0.1:50051) or unix:/PATH; a comma-separated
                            list of replicas fails over from one to the next
  --decision-ca F           PEM CA of the decision service: TLS to it
  --decision-cert F --decision-key F   client certificate for mTLS to the decision service
  --decision-timeout-ms N   time for one decision before it is a deny (default 5000)
  --tls-cert F --tls-key F  TLS for clients (required for clients that are not on loopback)
  --audit SPEC              file:PATH | kafka://HOST:PORT[,HOST:PORT] (default file:var/proxy-postgres-RESOURCE.jsonl)
  --journal DIR             audit journal for kafka:// (default var/proxy-postgres-RESOURCE-journal)
  --audit-required B        true | false (default true: a session that cannot be recorded is closed)
  --audit-drain-ms N        a graceful stop ships what is left for at most N ms (default 3000); the
                            rest stays in the journal and ships at the next start (kafka://)
  --audit-source URI        CloudEvents source (and hash chain) of this proxy's events
  --max-message-bytes N     largest client message accepted (default 2097152)
  --max-sessions N          concurrent client connections; more are refused with 53300 (default 100)
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
  'audit-source': { type: 'string' },
  'audit-drain-ms': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'max-sessions': { type: 'string' },
  'allow-privileged-upstream': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

type Flags = FlagValues<typeof FLAGS>;

const COMMAND = 'proxy postgres';

export interface ProxyConfig extends GuardedResource, DecisionServiceSettings, AuditSettings {
  listen: HostPort;
  upstream: UpstreamTarget;
  database: string;
  tls?: { cert: string; key: string };
  maxMessageBytes: number;
  maxSessions: number;
  allowPrivilegedUpstream: boolean;
  logLevel: string;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) return printUsage(HELP);
  const config = checkFlags(readFlags(argv, process.env));
  const logger = redactingLogger('gatehouse-proxy-postgres', config.logLevel);
  const proxy = await start(config, logger);
  return runUntilSignalled(proxy, logger, 'shutting down: closing sessions');
}

export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  return readFlagsFromEnv(argv, env, { command: COMMAND, options: FLAGS, envPrefix: 'GATEHOUSE_PROXY_' });
}

export function checkFlags(flags: Flags): ProxyConfig {
  if (!flags.upstream) throw new UsageError('proxy postgres: --upstream postgres://USER:PASSWORD@HOST:PORT/DB is required');
  let upstream: UpstreamTarget;
  try {
    upstream = parseUpstreamUrl(flags.upstream);
  } catch (error) {
    throw new UsageError(`proxy postgres: ${(error as UpstreamError).message}`);
  }
  if (!upstream.user || !upstream.password) throw new UsageError('proxy postgres: --upstream must carry the proxy\'s user and password');
  const resource = checkResourceFlags(COMMAND, flags, 'Database');
  const auditSettings = checkAuditFlags(COMMAND, flags, proxyAuditDefaults('postgres', resource.resource));
  if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) throw new UsageError('proxy postgres: --tls-cert and --tls-key go together');
  const decisionService = checkDecisionServiceFlags(COMMAND, flags);
  const logLevel = logLevelFlag(COMMAND, flags['log-level']);
  const allowPrivileged = flags['allow-privileged-upstream'] ?? 'false';
  if (allowPrivileged !== 'true' && allowPrivileged !== 'false') {
    throw new UsageError(`proxy postgres: --allow-privileged-upstream must be true or false, got '${allowPrivileged}'`);
  }
  const config: ProxyConfig = {
    listen: postgresListenFlag(COMMAND, flags.listen ?? '127.0.0.1:15432'),
    upstream,
    ...resource,
    database: flags.database ?? resource.resource,
    ...decisionService,
    ...auditSettings,
    maxMessageBytes: positiveIntegerFlag(COMMAND, 'max-message-bytes', flags['max-message-bytes'], DEFAULT_SESSION_LIMITS.maxMessageBytes, 64 * 1024 * 1024),
    maxSessions: positiveIntegerFlag(COMMAND, 'max-sessions', flags['max-sessions'], DEFAULT_MAX_SESSIONS, 100_000),
    allowPrivilegedUpstream: allowPrivileged === 'true',
    logLevel,
  };
  if (flags['tls-cert'] !== undefined && flags['tls-key'] !== undefined) config.tls = { cert: flags['tls-cert'], key: flags['tls-key'] };
  return config;
}

/** Wires the real parts (decision client, audit sink, catalog, TLS) and starts listening. */
export async function start(config: ProxyConfig, logger: Logger): Promise<RunningPostgresProxy> {
  const credentials = await decisionServiceCredentials(COMMAND, config.decisionTls);
  let tls: SecureContext | undefined;
  if (config.tls) {
    try {
      tls = createSecureContext({ cert: await readFlagFile(COMMAND, 'tls-cert', config.tls.cert), key: await readFlagFile(COMMAND, 'tls-key', config.tls.key) });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`proxy postgres: --tls-cert/--tls-key are not a usable certificate and key: ${(error as Error).message}`);
    }
  }
  const audit = await openAuditSink(config, { command: COMMAND, source: `gatehouse://${hostname()}/proxy-postgres/${config.resource}`, logger });
  const decisions = new FairDecisionClient({ address: config.decision, credentials, deadlineMs: config.decisionTimeoutMs });
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
        maxSessions: config.maxSessions,
        allowPrivilegedUpstream: config.allowPrivilegedUpstream,
        approveHint: `gatehouse approvals approve {id} --decision ${config.decision.split(',')[0]}`,
      },
      (level, message, fields) => logger[level](fields ?? {}, message),
    );
  } catch (error) {
    decisions.close();
    await origins.close();
    await audit.close().catch(() => undefined);
    if (error instanceof PrivilegedUpstreamError) throw new CliError(`proxy postgres: ${error.message}`, error.code);
    throw new CliError(`proxy postgres: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`, codeOf(error));
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
