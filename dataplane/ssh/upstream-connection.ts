import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import type { KnownHosts } from './known-hosts.ts';
import { SshProxyError, UpstreamUnavailableError } from './ssh-proxy-error.ts';

export interface UpstreamTarget {
  user: string;
  host: string;
  port: number;
}

/** The real host and how the proxy logs in to it: its own key, the host key pinned in known_hosts. */
export interface UpstreamConfig {
  target: UpstreamTarget;
  privateKey: Buffer;
  knownHosts: KnownHosts;
  /** Default 10 s. */
  readyTimeoutMs?: number;
}

/** Parses `ssh://user@host[:port]` (the --upstream flag). */
export function parseUpstreamUrl(text: string): UpstreamTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SshProxyError(`--upstream '${text}' is not a URL; use ssh://user@host:port`);
  }
  if (url.protocol !== 'ssh:') throw new SshProxyError(`--upstream '${text}' must start with ssh://`);
  if (!url.username) throw new SshProxyError(`--upstream '${text}' names no user; use ssh://user@host:port`);
  if (url.password) throw new SshProxyError('--upstream must not carry a password; the proxy logs in with --upstream-key');
  if (!url.hostname) throw new SshProxyError(`--upstream '${text}' names no host`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { user: decodeURIComponent(url.username), host, port: url.port ? Number(url.port) : 22 };
}

/**
 * Opens an authenticated ssh2 Client to the upstream host. The host key is checked against
 * known_hosts before authentication; a missing or mismatching key rejects with a message
 * that says so (and the fingerprint presented).
 */
export function connectUpstream(config: UpstreamConfig): Promise<Client> {
  const { target, knownHosts } = config;
  const keyTypes = knownHosts.keyTypes(target.host, target.port);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyProblem: string | undefined;
    let settled = false;
    const fail = (message: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.end();
      reject(new UpstreamUnavailableError(message, { cause }));
    };
    const options: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: config.privateKey,
      readyTimeout: config.readyTimeoutMs ?? 10_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer): boolean => {
        hostKeyProblem = knownHosts.check(target.host, target.port, key);
        return hostKeyProblem === undefined;
      },
    };
    if (keyTypes.length > 0) options.algorithms = { serverHostKey: keyTypes as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    client.on('error', (error: Error) => {
      if (hostKeyProblem) return fail(hostKeyProblem, error);
      if (keyTypes.length === 0) return fail(`${target.host}:${target.port} has no entry in the known_hosts file; Gatehouse never trusts a host key on first use`, error);
      fail(`${target.user}@${target.host}:${target.port}: ${error.message}`, error);
    });
    client.once('close', () => fail(`${target.host}:${target.port} closed the connection during login`));
    try {
      client.connect(options);
      client.setNoDelay(true);
    } catch (error) {
      fail(`${target.host}:${target.port}: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  });
}
