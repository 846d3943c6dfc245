import * as grpc from '@grpc/grpc-js';
import { UsageError } from './cli-error.ts';
import { formatHostPort, hostPortFlag } from './host-port.ts';
import { unixSocketFlag } from './unix-socket-flag.ts';
import { positiveIntegerFlag } from './integer-flag.ts';
import { readFlagFile } from './read-flag-file.ts';

/** How a proxy reaches the decision service: address, optional (m)TLS, and how long it waits. */
export interface DecisionServiceSettings {
  decision: string;
  decisionTls?: { ca: string; cert?: string; key?: string };
  decisionTimeoutMs: number;
}

export interface DecisionServiceFlagValues {
  decision?: string;
  'decision-ca'?: string;
  'decision-cert'?: string;
  'decision-key'?: string;
  'decision-timeout-ms'?: string;
}

/** `--decision`, `--decision-ca`, `--decision-cert`/`--decision-key` and `--decision-timeout-ms`. */
export function checkDecisionServiceFlags(command: string, flags: DecisionServiceFlagValues): DecisionServiceSettings {
  const decisionTimeoutMs = positiveIntegerFlag(command, 'decision-timeout-ms', flags['decision-timeout-ms'], 5_000, 600_000);
  if ((flags['decision-cert'] === undefined) !== (flags['decision-key'] === undefined)) throw new UsageError(`${command}: --decision-cert and --decision-key go together`);
  if (flags['decision-cert'] !== undefined && flags['decision-ca'] === undefined) throw new UsageError(`${command}: --decision-cert needs --decision-ca (mTLS is on top of TLS)`);
  const settings: DecisionServiceSettings = {
    // A comma-separated list names replicas: the proxy fails over from one to the next.
    decision: (flags.decision ?? '127.0.0.1:50051')
      .split(',')
      .map((address) => address.trim())
      .map((address) => (unixSocketFlag(command, 'decision', address) !== undefined ? address : formatHostPort(hostPortFlag(command, 'decision', address))))
      .join(','),
    decisionTimeoutMs,
  };
  if (flags['decision-ca'] !== undefined) settings.decisionTls = { ca: flags['decision-ca'], cert: flags['decision-cert'], key: flags['decision-key'] };
  return settings;
}

/** The channel credentials for `--decision-ca` (and the mTLS pair); none means plaintext. */
export async function decisionServiceCredentials(command: string, tls: DecisionServiceSettings['decisionTls']): Promise<grpc.ChannelCredentials | undefined> {
  if (!tls) return undefined;
  const ca = await readFlagFile(command, 'decision-ca', tls.ca);
  const key = tls.key ? await readFlagFile(command, 'decision-key', tls.key) : null;
  const cert = tls.cert ? await readFlagFile(command, 'decision-cert', tls.cert) : null;
  return grpc.credentials.createSsl(ca, key, cert);
}
