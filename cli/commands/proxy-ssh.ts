import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import type { AuditSink } from '../../audit/audit-sink.ts';
import type { JsonObject } from '../../engine/model/json.ts';
import { GrpcDecisionClient } from '../../dataplane/sdk/grpc-decision-client.ts';
import { loadHostKey } from '../../dataplane/ssh/host-key.ts';
import { KnownHosts } from '../../dataplane/ssh/known-hosts.ts';
import { startSshProxy, type RunningSshProxy } from '../../dataplane/ssh/ssh-proxy.ts';
import { parseUpstreamUrl, type UpstreamTarget } from '../../dataplane/ssh/upstream-connection.ts';
import { CliError, UsageError } from '../cli-error.ts';

const HELP = `usage: gatehouse proxy ssh --upstream ssh://USER@HOST:PORT --upstream-key FILE --upstream-known-hosts FILE --resource ID [flags]

  --listen HOST:PORT          where clients connect (default 127.0.0.1:2222)
  --upstream URL              the real host and the user the proxy logs in as
  --upstream-key FILE         the proxy's own private key for the upstream host
  --upstream-known-hosts FILE OpenSSH known_hosts holding the upstream host key (never trusted on first use)
  --upstream-shell CMD        what runs upstream for an interactive shell; it must not echo or
                              edit lines itself (default: exec bash --noediting -i)
  --host-key FILE             the proxy's host key (default: generated once into var/ssh-proxy/)
  --resource ID               the Host resource id policies see (required)
  --resource-attr K=V         a resource attribute (repeatable; in the environment: K=V,K2=V2)
  --env-allow NAMES           env requests passed upstream, comma separated, PREFIX* allowed (default LANG,LC_*)
  --decision HOST:PORT        the decision service (default 127.0.0.1:50051)
  --decision-ca F             PEM CA of the decision service: TLS to it
  --decision-cert F --decision-key F   client certificate for mTLS to the decision service
  --decision-timeout-ms N     time for one decision before it is a deny (default 5000)
  --audit SPEC                file:PATH | kafka://HOST:PORT[,HOST:PORT] (default file:var/proxy-audit.jsonl)
  --journal DIR               audit journal for kafka:// (default var/proxy-journal)
  --audit-required B          true | false (default true: a session that cannot be recorded is closed)
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
  'log-level': { type: 'string' },
} as const;

type FlagName = keyof typeof FLAGS;
type Flags = Partial<Record<Exclude<FlagName, 'resource-attr'>, string>> & { 'resource-attr'?: string[] };

export interface SshProxyConfig {
  listen: { host: string; port: number };
  upstream: UpstreamTarget;
  upstreamKey: string;
  upstreamKnownHosts: string;
  upstreamShell: string;
  hostKey?: string;
  resource: string;
  attributes: JsonObject;
  envAllow: string[];
  decision: string;
  decisionTls?: { ca: string; cert?: string; key?: string };
  decisionTimeoutMs: number;
  audit: string;
  journal: string;
  auditRequired: boolean;
  logLevel: string;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const config = checkFlags(readFlags(argv, process.env));
  const logger = pino({ name: 'gatehouse-proxy-ssh', level: config.logLevel });
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
    throw new UsageError(`proxy ssh: ${(error as Error).message.split('\n', 1)[0]}; run 'gatehouse proxy ssh --help'`);
  }
  if (positionals.length > 0) throw new UsageError(`proxy ssh: unexpected argument '${positionals[0]}'`);
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
    if (value === '') throw new UsageError(`proxy ssh: --${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}

export function checkFlags(flags: Flags): SshProxyConfig {
  const address = (name: 'listen' | 'decision', fallback: string): { host: string; port: number } => {
    const value = flags[name] ?? fallback;
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
    if (!match || Number(match[2]) > 65535) throw new UsageError(`proxy ssh: --${name} must be HOST:PORT, got '${value}'`);
    return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
  };
  if (!flags.upstream) throw new UsageError('proxy ssh: --upstream ssh://USER@HOST:PORT is required');
  let upstream: UpstreamTarget;
  try {
    upstream = parseUpstreamUrl(flags.upstream);
  } catch (error) {
    throw new UsageError(`proxy ssh: ${(error as Error).message}`);
  }
  if (!flags['upstream-key']) throw new UsageError("proxy ssh: --upstream-key FILE is required (the proxy's own key for the upstream host)");
  if (!flags['upstream-known-hosts']) throw new UsageError('proxy ssh: --upstream-known-hosts FILE is required (the upstream host key is never trusted on first use)');
  if (!flags.resource) throw new UsageError('proxy ssh: --resource ID is required (the Host id policies see)');
  if (!/^[A-Za-z0-9_.:-]+$/.test(flags.resource)) throw new UsageError(`proxy ssh: --resource '${flags.resource}' may hold only letters, digits and _ . : -`);
  const attributes: JsonObject = {};
  for (const pair of flags['resource-attr'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`proxy ssh: --resource-attr must be KEY=VALUE, got '${pair}'`);
    attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const auditRequired = flags['audit-required'] ?? 'true';
  if (auditRequired !== 'true' && auditRequired !== 'false') throw new UsageError(`proxy ssh: --audit-required must be true or false, got '${auditRequired}'`);
  const audit = flags.audit ?? 'file:var/proxy-audit.jsonl';
  if (!/^file:.+/.test(audit) && !/^kafka:\/\/.+/.test(audit)) throw new UsageError(`proxy ssh: --audit must be file:PATH or kafka://HOST:PORT[,HOST:PORT], got '${audit}'`);
  const timeoutText = flags['decision-timeout-ms'];
  const decisionTimeoutMs = timeoutText === undefined ? 5_000 : Number(timeoutText);
  if (!Number.isInteger(decisionTimeoutMs) || decisionTimeoutMs < 1 || decisionTimeoutMs > 600_000) {
    throw new UsageError(`proxy ssh: --decision-timeout-ms must be an integer from 1 to 600000, got '${timeoutText}'`);
  }
  if ((flags['decision-cert'] === undefined) !== (flags['decision-key'] === undefined)) throw new UsageError('proxy ssh: --decision-cert and --decision-key go together');
  if (flags['decision-cert'] !== undefined && flags['decision-ca'] === undefined) throw new UsageError('proxy ssh: --decision-cert needs --decision-ca (mTLS is on top of TLS)');
  const logLevel = flags['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) throw new UsageError(`proxy ssh: --log-level must be trace, debug, info, warn or error, got '${logLevel}'`);
  const envAllow = (flags['env-allow'] ?? 'LANG,LC_*').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of envAllow) if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) throw new UsageError(`proxy ssh: --env-allow entry '${name}' is not a variable name`);
  const decision = address('decision', '127.0.0.1:50051');
  const config: SshProxyConfig = {
    listen: address('listen', '127.0.0.1:2222'),
    upstream,
    upstreamKey: flags['upstream-key'],
    upstreamKnownHosts: flags['upstream-known-hosts'],
    upstreamShell: flags['upstream-shell'] ?? 'exec bash --noediting -i',
    resource: flags.resource,
    attributes,
    envAllow,
    decision: `${decision.host.includes(':') ? `[${decision.host}]` : decision.host}:${decision.port}`,
    decisionTimeoutMs,
    audit,
    journal: flags.journal ?? 'var/proxy-journal',
    auditRequired: auditRequired === 'true',
    logLevel,
  };
  if (flags['host-key'] !== undefined) config.hostKey = flags['host-key'];
  if (flags['decision-ca'] !== undefined) config.decisionTls = { ca: flags['decision-ca'], cert: flags['decision-cert'], key: flags['decision-key'] };
  return config;
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new CliError(`proxy ssh: cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Wires the real parts (host key, upstream key and known_hosts, decision client, audit sink) and listens. */
export async function start(config: SshProxyConfig, logger: Logger): Promise<RunningSshProxy> {
  let credentials: grpc.ChannelCredentials | undefined;
  if (config.decisionTls) {
    const ca = await readInput(config.decisionTls.ca, '--decision-ca');
    const key = config.decisionTls.key ? await readInput(config.decisionTls.key, '--decision-key') : null;
    const cert = config.decisionTls.cert ? await readInput(config.decisionTls.cert, '--decision-cert') : null;
    credentials = grpc.credentials.createSsl(ca, key, cert);
  }
  const privateKey = await readInput(config.upstreamKey, '--upstream-key');
  let knownHosts: KnownHosts;
  try {
    knownHosts = KnownHosts.parse((await readInput(config.upstreamKnownHosts, '--upstream-known-hosts')).toString('utf8'), config.upstreamKnownHosts);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`proxy ssh: ${(error as Error).message}`);
  }
  if (knownHosts.keyTypes(config.upstream.host, config.upstream.port).length === 0) {
    throw new CliError(`proxy ssh: ${config.upstreamKnownHosts} has no key for ${config.upstream.host}:${config.upstream.port}; add it (ssh-keyscan -p PORT HOST, checked out of band)`);
  }
  let hostKey;
  try {
    hostKey = await loadHostKey(config.hostKey);
  } catch (error) {
    throw new CliError(`proxy ssh: ${(error as Error).message}`);
  }
  if (hostKey.generated) logger.info({ path: hostKey.path }, 'generated a new host key for the proxy');
  let audit: AuditSink;
  try {
    audit = await createAuditSink(config.audit, {
      source: `gatehouse://${hostname()}/proxy-ssh/${config.resource}`,
      journalDir: config.journal,
      required: config.auditRequired,
      logger,
    });
  } catch (error) {
    throw new CliError(`proxy ssh: audit sink ${config.audit} cannot be opened: ${(error as Error).message.split('\n', 1)[0]}`);
  }
  const decisions = new GrpcDecisionClient({ address: config.decision, credentials, deadlineMs: config.decisionTimeoutMs });
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
        approveHint: `gatehouse approvals approve {id} --decision ${config.decision}`,
        upstreamShell: config.upstreamShell,
        envAllowlist: config.envAllow,
      },
      (level, message, fields) => logger[level](fields ?? {}, message),
    );
  } catch (error) {
    decisions.close();
    await audit.close().catch(() => undefined);
    throw new CliError(`proxy ssh: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`);
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
