import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { startMcpHttpProxy, serveMcpStdio, type McpProxyOptions } from '../../dataplane/mcp/index.ts';
import { parseTextArgument, TextArgumentError, type TextArgumentMap } from '../../dataplane/mcp/index.ts';
import { parseUpstreamSpec, UpstreamSpecError, type UpstreamSpec } from '../../dataplane/mcp/index.ts';
import type { McpLog } from '../../dataplane/mcp/index.ts';
import { GrpcDecisionClient } from '../../dataplane/sdk/index.ts';
import { checkAuditFlags, openAuditSink, type AuditSettings } from '../audit-settings.ts';
import { CliError, codeOf, UsageError } from '../cli-error.ts';
import { printUsage } from '../command-args.ts';
import { checkDecisionServiceFlags, decisionServiceCredentials, type DecisionServiceSettings } from '../decision-service-flags.ts';
import { readFlagsFromEnv, type FlagValues } from '../flags-from-env.ts';
import { hostPortFlag, type HostPort } from '../host-port.ts';
import { positiveIntegerFlag } from '../integer-flag.ts';
import { logLevelFlag } from '../log-level-flag.ts';
import { checkResourceFlags, type GuardedResource } from '../resource-flags.ts';
import { runUntilSignalled } from '../run-until-signalled.ts';

const HELP = `usage: gatehouse proxy mcp --upstream NAME=URL|NAME=COMMAND [--upstream …] --resource ID [flags]

  --upstream NAME=URL         an upstream MCP server over Streamable HTTP (http:// or https://)
  --upstream NAME=COMMAND     an upstream MCP server the proxy starts and speaks to on stdio
                              (split on spaces, no shell); repeatable. Agents see its tools and
                              prompts as NAME__tool
  --text-arg S/T:ARG=KIND     argument ARG of tool T on server S holds sql or shell text: the
                              engine computes SQL or shell facts for it (repeatable); a tool's
                              schema can say the same with "format": "sql" | "shell"
  --listen HOST:PORT          where agents connect over Streamable HTTP (default 127.0.0.1:8931)
  --public-url URL            the MCP endpoint as agents reach it (default http://LISTEN/mcp)
  --authorization-server URL  the token issuer named in the protected resource metadata (repeatable)
  --stdio                     serve one local agent on stdin/stdout instead; its credential is
                              read from GATEHOUSE_MCP_TOKEN
  --resource ID               the gateway's id: an OIDC identity connects to McpGateway:ID (required)
  --resource-attr K=V         an attribute of the gateway resource (repeatable)
  --decision HOST:PORT        the decision service (default 127.0.0.1:50051), or unix:/PATH
  --decision-ca F             PEM CA of the decision service: TLS to it
  --decision-cert F --decision-key F   client certificate for mTLS to the decision service
  --decision-timeout-ms N     time for one decision before it is a deny (default 5000)
  --idle-timeout-s N          close an HTTP session without requests for N seconds (default 1800)
  --upstream-timeout-s N      an upstream call without progress for N seconds fails (default 300)
  --audit SPEC                file:PATH | kafka://HOST:PORT[,HOST:PORT] (default file:var/proxy-audit.jsonl)
  --journal DIR               audit journal for kafka:// (default var/proxy-journal)
  --audit-required B          true | false (default true: a call that cannot be recorded is refused)
  --audit-source URI          CloudEvents source (and hash chain) of this proxy's events
  --log-level LEVEL           trace | debug | info | warn | error (default info; logs go to stderr)

Agents send a Gatehouse scoped token (bound to one McpTool) or an OIDC JWT as their bearer
credential. Every flag can also be set as GATEHOUSE_PROXY_<FLAG>; flags win.`;

const FLAGS = {
  upstream: { type: 'string', multiple: true },
  'text-arg': { type: 'string', multiple: true },
  listen: { type: 'string' },
  'public-url': { type: 'string' },
  'authorization-server': { type: 'string', multiple: true },
  resource: { type: 'string' },
  'resource-attr': { type: 'string', multiple: true },
  decision: { type: 'string' },
  'decision-ca': { type: 'string' },
  'decision-cert': { type: 'string' },
  'decision-key': { type: 'string' },
  'decision-timeout-ms': { type: 'string' },
  'idle-timeout-s': { type: 'string' },
  'upstream-timeout-s': { type: 'string' },
  audit: { type: 'string' },
  journal: { type: 'string' },
  'audit-required': { type: 'string' },
  'audit-source': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

type Flags = FlagValues<typeof FLAGS>;

const COMMAND = 'proxy mcp';

export interface McpProxyConfig extends GuardedResource, DecisionServiceSettings, AuditSettings {
  upstreams: UpstreamSpec[];
  textArguments: TextArgumentMap;
  listen: HostPort;
  publicUrl?: string;
  authorizationServers: string[];
  stdio: boolean;
  idleTimeoutMs: number;
  upstreamTimeoutMs: number;
  logLevel: string;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) return printUsage(HELP);
  const stdio = argv.includes('--stdio');
  const config = checkFlags(readFlags(argv.filter((a) => a !== '--stdio'), process.env), stdio);
  // Logs go to stderr: in --stdio mode stdout is the agent's MCP channel.
  const logger = pino({ name: 'gatehouse-proxy-mcp', level: config.logLevel }, pino.destination(2));
  if (config.stdio) return runStdio(config, logger);
  const proxy = await start(config, logger);
  return runUntilSignalled(proxy, logger, 'shutting down: closing MCP sessions');
}

export function readFlags(argv: string[], env: NodeJS.ProcessEnv): Flags {
  return readFlagsFromEnv(argv, env, { command: COMMAND, options: FLAGS, envPrefix: 'GATEHOUSE_PROXY_' });
}

export function checkFlags(flags: Flags, stdio: boolean): McpProxyConfig {
  if (!flags.upstream || flags.upstream.length === 0) throw new UsageError('proxy mcp: --upstream NAME=URL|NAME=COMMAND is required');
  const upstreams: UpstreamSpec[] = [];
  for (const text of flags.upstream) {
    try {
      const spec = parseUpstreamSpec(text);
      if (upstreams.some((u) => u.name === spec.name)) throw new UpstreamSpecError(`upstream name ${spec.name} is given twice`);
      upstreams.push(spec);
    } catch (error) {
      throw new UsageError(`proxy mcp: ${(error as Error).message}`);
    }
  }
  const textArguments: TextArgumentMap = new Map();
  for (const text of flags['text-arg'] ?? []) {
    try {
      parseTextArgument(text, textArguments);
    } catch (error) {
      if (error instanceof TextArgumentError) throw new UsageError(`proxy mcp: ${error.message}`);
      throw error;
    }
  }
  for (const key of textArguments.keys()) {
    const server = key.slice(0, key.indexOf('/'));
    if (!upstreams.some((u) => u.name === server)) throw new UsageError(`proxy mcp: --text-arg names server ${server}, which is not an --upstream`);
  }
  const authorizationServers = flags['authorization-server'] ?? [];
  for (const url of [...authorizationServers, ...(flags['public-url'] ? [flags['public-url']] : [])]) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`proxy mcp: '${url}' is not an http(s) URL`);
  }
  const config: McpProxyConfig = {
    upstreams,
    textArguments,
    listen: hostPortFlag(COMMAND, 'listen', flags.listen ?? '127.0.0.1:8931'),
    authorizationServers,
    stdio,
    idleTimeoutMs: positiveIntegerFlag(COMMAND, 'idle-timeout-s', flags['idle-timeout-s'], 1800, 7 * 24 * 3600) * 1000,
    upstreamTimeoutMs: positiveIntegerFlag(COMMAND, 'upstream-timeout-s', flags['upstream-timeout-s'], 300, 24 * 3600) * 1000,
    ...checkResourceFlags(COMMAND, flags, 'McpGateway'),
    ...checkDecisionServiceFlags(COMMAND, flags),
    ...checkAuditFlags(COMMAND, flags, { audit: 'file:var/proxy-audit.jsonl', journal: 'var/proxy-journal' }),
    logLevel: logLevelFlag(COMMAND, flags['log-level']),
  };
  if (flags['public-url'] !== undefined) config.publicUrl = flags['public-url'];
  return config;
}

async function parts(config: McpProxyConfig, logger: Logger) {
  const credentials = await decisionServiceCredentials(COMMAND, config.decisionTls);
  const audit = await openAuditSink(config, { command: COMMAND, source: `gatehouse://${hostname()}/proxy-mcp/${config.resource}`, logger });
  const decisions = new GrpcDecisionClient({ address: config.decision, credentials, deadlineMs: config.decisionTimeoutMs });
  const log: McpLog = (level, message, fields) => logger[level](fields ?? {}, message);
  const options: McpProxyOptions = {
    upstreams: config.upstreams,
    textArguments: config.textArguments,
    decisions,
    audit,
    auditRequired: config.auditRequired,
    gateway: { type: 'McpGateway', id: config.resource, attributes: config.attributes },
    approveHint: `gatehouse approvals approve {id} --decision ${config.decision}`,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
  };
  return { options, log, decisions, audit };
}

/** Wires the decision client and audit sink and listens for agents over Streamable HTTP. */
export async function start(config: McpProxyConfig, logger: Logger): Promise<{ address: { host: string; port: number }; close(): Promise<void> }> {
  const { options, log, decisions, audit } = await parts(config, logger);
  let proxy;
  try {
    proxy = await startMcpHttpProxy(
      { ...options, listen: config.listen, authorizationServers: config.authorizationServers, idleTimeoutMs: config.idleTimeoutMs, ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) },
      log,
    );
  } catch (error) {
    decisions.close();
    await audit.close().catch(() => undefined);
    throw new CliError(`proxy mcp: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`, codeOf(error));
  }
  logger.info({ listen: proxy.address, upstreams: config.upstreams.map((u) => u.name), resource: config.resource, decision: config.decision }, 'mcp proxy ready');
  return {
    address: proxy.address,
    async close() {
      await proxy.close();
      decisions.close();
      await audit.close();
    },
  };
}

async function runStdio(config: McpProxyConfig, logger: Logger): Promise<number> {
  const token = process.env.GATEHOUSE_MCP_TOKEN;
  if (!token) throw new UsageError('proxy mcp: --stdio reads the agent credential from GATEHOUSE_MCP_TOKEN, which is not set');
  const { options, log, decisions, audit } = await parts(config, logger);
  let served;
  try {
    served = await serveMcpStdio({ ...options, token, input: process.stdin, output: process.stdout }, log);
  } catch (error) {
    decisions.close();
    await audit.close().catch(() => undefined);
    throw new CliError(`proxy mcp: ${(error as Error).message}`, codeOf(error));
  }
  // The agent closing stdin ends the session; a signal ends it too.
  const stopped = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await Promise.race([served.closed, stopped]);
  await served.close();
  decisions.close();
  await audit.close();
  return 0;
}
