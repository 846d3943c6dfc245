import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { FairDecisionClient } from '../../dataplane/sdk/index.ts';
import { loadHostKey } from '../../dataplane/ssh/index.ts';
import { KnownHosts } from '../../dataplane/ssh/index.ts';
import { startSshProxy, type RunningSshProxy } from '../../dataplane/ssh/index.ts';
import { parseUpstreamUrl, type UpstreamTarget } from '../../dataplane/ssh/index.ts';
import { checkAuditFlags, openAuditSink, proxyAuditDefaults, type AuditSettings } from '../audit-settings.ts';
import { CliError, codeOf, UsageError } from '../cli-error.ts';
import { printUsage } from '../command-args.ts';
import { checkDecisionServiceFlags, decisionServiceCredentials, type DecisionServiceSettings } from '../decision-service-flags.ts';
import { readFlagsFromEnv, type FlagValues } from '../flags-from-env.ts';
import { hostPortFlag, type HostPort } from '../host-port.ts';
import { logLevelFlag } from '../log-level-flag.ts';
import { readFlagFile } from '../read-flag-file.ts';
import { checkResourceFlags, type GuardedResource } from '../resource-flags.ts';
import { runUntilSignalled } from '../run-until-signalled.ts';
import { redactingLogger } from '../redacting-logger.ts';
import { DEFAULT_UPSTREAM_SHELL } from '../../dataplane/ssh/index.ts';

const HELP = `usage: gatehouse proxy ssh --upstream ssh://USER@HOST:PORT --upstream-key FILE --upstream-known-hosts FILE --resource ID [flags]

  --listen HOST:PORT          where clients connect (default 127.0.0.1:2222)
  --upstream URL              the real host and the user the proxy logs in as
  --upstream-key FILE         the proxy's own private key for the upstream host
  --upstream-known-hosts FILE OpenSSH known_hosts holding the upstream host key (never trusted on first use)
  --upstream-shell CMD        what runs upstream for an interactive shell; it must not echo or
                              edit lines itself (default: bash without rc files, history or alias
                              expansion, with read-only prompt hooks; see docs/ssh-proxy.md)
  --host-key FILE             the proxy's host key (default: generated once into var/ssh-proxy/)
  --resource ID               the Host resource id policies see (required)
  --resource-attr K=V         a resource attribute (repeatable; in the environment: K=V,K2=V2)
  --env-allow NAMES           env requests passed upstream, comma separated, PREFIX* allowed (default LANG,LC_*)
  --decision HOST:PORT        the decision service (default 127.0.0.1:50051) or unix:/PATH; a comma-separated
                              list of replicas fails over from one to the next
  --decision-ca F             PEM CA of the decision service: TLS to it
  --decision-cert F --decision-key F   client certificate for mTLS to the decision service
  --decision-timeout-ms N     time for one decision before it is a deny (default 5000)
  --audit SPEC                file:PATH | kafka://HOST:PORT[,HOST:PORT] (default file:var/proxy-ssh-RESOURCE.jsonl)
  --journal DIR               audit journal for kafka:// (default var/proxy-ssh-RESOURCE-journal)
  --audit-required B          true | false (default true: a session that cannot be recorded is closed)
  --audit-drain-ms N          a graceful stop ships what is left for at most N ms (default 3000); the
                              rest stays in the journal and ships at the next start (kafka://)
  --audit-source URI          CloudEvents source (and hash chain) of this proxy's events
  --log-level LEVEL           trace | debug | info | warn | error (default info)

Clients log in with a Gatehouse token (or OIDC JWT) as the password, e.g.
  sshpass -e ssh -p 2222 executor@127.0.0.1 uname -a      # SSHPASS="$TOKEN"
Every flag can also be set as GATEHOUSE_PROXY_<FLAG> (e.g. GATEHOUSE_PROXY_UPSTREAM_KEY); flags win.`;

const FLAGS = {
  listen: { type: 'string' },
  upstream: { type: 'string' },
  'upstream-key': { type: 'string' },
  'upstream-known-hosts': { type: 'string' },
  'upstream-shell': { type: 'string' },
  'host-key': { type: 'string' },
  resource: { type: 'string' },
  'resource-attr': { type: 'string', multiple: true },
  'env-allow': { type: 'string' },
  decision: { type: 'string' },
  'decision-ca': { type: 'string' },
  'decision-cert': { type: 'string' },
  'decision-key': { type: 'string' },
  'decision-timeout-ms': { type: 'string' },
  audit: { type: 'string' },
  journal: { type: 'string' },
  'audit-required': { type: 'string' },
  'audit-source': { type: 'string' },
  'audit-drain-ms': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

type Flags = FlagValues<typeof FLAGS>;

const COMMAND = 'proxy ssh';

export interface SshProxyConfig extends GuardedResource, DecisionServiceSettings, AuditSettings {
  listen: HostPort;
  upstream: UpstreamTarget;
  upstreamKey: string;
  upstreamKnownHosts: string;
  upstreamShell: string;
  hostKey?: string;
  envAllow: string[];
  logLevel: string;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) return printUsage(HELP);
  const config = checkFlags(readFlags(argv, process.env));
  const logger = redactingLogger('gatehouse-proxy-ssh', config.logLevel);
  const proxy = await start(config, logger);
  return runUntilSignalled(proxy, logger, 'shutting down: closing sessions');
}

export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  return readFlagsFromEnv(argv, env, { command: COMMAND, options: FLAGS, envPrefix: 'GATEHOUSE_PROXY_' });
}

export function checkFlags(flags: Flags): SshProxyConfig {
  if (!flags.upstream) throw new UsageError('proxy ssh: --upstream ssh://USER@HOST:PORT is required');
  let upstream: UpstreamTarget;
  try {
    upstream = parseUpstreamUrl(flags.upstream);
  } catch (error) {
    throw new UsageError(`proxy ssh: ${(error as Error).message}`);
  }
  if (!flags['upstream-key']) throw new UsageError("proxy ssh: --upstream-key FILE is required (the proxy's own key for the upstream host)");
  if (!flags['upstream-known-hosts']) throw new UsageError('proxy ssh: --upstream-known-hosts FILE is required (the upstream host key is never trusted on first use)');
  const resource = checkResourceFlags(COMMAND, flags, 'Host');
  const auditSettings = checkAuditFlags(COMMAND, flags, proxyAuditDefaults('ssh', resource.resource));
  const decisionService = checkDecisionServiceFlags(COMMAND, flags);
  const logLevel = logLevelFlag(COMMAND, flags['log-level']);
  const envAllow = (flags['env-allow'] ?? 'LANG,LC_*').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of envAllow) if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) throw new UsageError(`proxy ssh: --env-allow entry '${name}' is not a variable name`);
  const config: SshProxyConfig = {
    listen: hostPortFlag(COMMAND, 'listen', flags.listen ?? '127.0.0.1:2222'),
    upstream,
    upstreamKey: flags['upstream-key'],
    upstreamKnownHosts: flags['upstream-known-hosts'],
    upstreamShell: flags['upstream-shell'] ?? DEFAULT_UPSTREAM_SHELL,
    ...resource,
    envAllow,
    ...decisionService,
    ...auditSettings,
    logLevel,
  };
  if (flags['host-key'] !== undefined) config.hostKey = flags['host-key'];
  return config;
}

/** Wires the real parts (host key, upstream key and known_hosts, decision client, audit sink) and listens. */
export async function start(config: SshProxyConfig, logger: Logger): Promise<RunningSshProxy> {
  const credentials = await decisionServiceCredentials(COMMAND, config.decisionTls);
  const privateKey = await readFlagFile(COMMAND, 'upstream-key', config.upstreamKey);
  let knownHosts: KnownHosts;
  try {
    knownHosts = KnownHosts.parse((await readFlagFile(COMMAND, 'upstream-known-hosts', config.upstreamKnownHosts)).toString('utf8'), config.upstreamKnownHosts);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`proxy ssh: ${(error as Error).message}`, codeOf(error));
  }
  if (knownHosts.keyTypes(config.upstream.host, config.upstream.port).length === 0) {
    throw new CliError(`proxy ssh: ${config.upstreamKnownHosts} has no key for ${config.upstream.host}:${config.upstream.port}; add it (ssh-keyscan -p PORT HOST, checked out of band)`);
  }
  let hostKey;
  try {
    hostKey = await loadHostKey(config.hostKey);
  } catch (error) {
    throw new CliError(`proxy ssh: ${(error as Error).message}`, codeOf(error));
  }
  if (hostKey.generated) logger.info({ path: hostKey.path }, 'generated a new host key for the proxy');
  const audit = await openAuditSink(config, { command: COMMAND, source: `gatehouse://${hostname()}/proxy-ssh/${config.resource}`, logger });
  const decisions = new FairDecisionClient({ address: config.decision, credentials, deadlineMs: config.decisionTimeoutMs });
  let proxy: RunningSshProxy;
  try {
    proxy = await startSshProxy(
      {
        listen: config.listen,
        hostKey: hostKey.privateKey,
        resource: { type: 'Host', id: config.resource, attributes: config.attributes },
        upstream: { target: config.upstream, privateKey, knownHosts },
        decisions,
        audit,
        auditRequired: config.auditRequired,
        approveHint: `gatehouse approvals approve {id} --decision ${config.decision.split(',')[0]}`,
        upstreamShell: config.upstreamShell,
        envAllowlist: config.envAllow,
      },
      (level, message, fields) => logger[level](fields ?? {}, message),
    );
  } catch (error) {
    decisions.close();
    await audit.close().catch(() => undefined);
    throw new CliError(`proxy ssh: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`, codeOf(error));
  }
  logger.info(
    {
      listen: proxy.address,
      hostKey: hostKey.fingerprint,
      upstream: `${config.upstream.user}@${config.upstream.host}:${config.upstream.port}`,
      resource: config.resource,
      decision: config.decision,
    },
    'ssh proxy ready',
  );
  return {
    address: proxy.address,
    get connections() {
      return proxy.connections;
    },
    async close() {
      await proxy.close();
      decisions.close();
      await audit.close();
    },
  };
}
