import { readFileSync } from 'node:fs';
import type { CloudEventsContentMode } from './cloudevents-kafka-record.ts';
import { GatehouseError } from '../engine/model/index.ts';

/** Error in an `--audit kafka://…` spec or its options: a configuration mistake, fixed by the operator. */
export class AuditConfigError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_AUDIT_CONFIG', message);
    this.name = 'AuditConfigError';
  }
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  /** TLS: true for system CAs, or PEM material (already read from files). */
  ssl?: boolean | { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Record batch compression of large (backlog) batches. */
  compression: 'gzip' | 'none';
  /** Send timeout per batch, ms. */
  requestTimeoutMs: number;
  /** CloudEvents Kafka content mode (default structured: the event JSON is the value). */
  contentMode: CloudEventsContentMode;
}

/**
 * Parses `kafka://HOST:PORT[,HOST:PORT…][?option=value&…]` (docs/audit.md "Kafka options"):
 *   tls=true | ca=FILE | cert=FILE | key=FILE | tlsInsecure=true (skip verification; tests only)
 *   | servername=NAME
 *   sasl=plain|scram-sha-256|scram-sha-512 & username=U & (passwordFile=FILE | passwordEnv=VAR)
 *   clientId=ID, compression=gzip|none, timeoutMs=N, cloudevents=structured|binary
 * A password is never taken from the spec itself (specs end up in process lists and logs).
 */
export function parseKafkaSpec(spec: string, env: NodeJS.ProcessEnv = process.env): KafkaConnectionOptions {
  const match = /^kafka:\/\/([^?]*)(?:\?(.*))?$/.exec(spec);
  if (!match) throw new AuditConfigError(`audit spec '${spec}' is not kafka://HOST:PORT[,HOST:PORT]`);
  const brokers = match[1]!.split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new AuditConfigError(`audit spec '${spec}' names no broker`);
  for (const broker of brokers) {
    if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(broker)) {
      throw new AuditConfigError(`audit spec: broker '${broker}' is not HOST:PORT`);
    }
  }
  const query = new URLSearchParams(match[2] ?? '');
  const known = new Set(['tls', 'ca', 'cert', 'key', 'tlsInsecure', 'servername', 'sasl', 'username', 'passwordFile', 'passwordEnv', 'clientId', 'compression', 'timeoutMs', 'cloudevents', 'password']);
  for (const key of query.keys()) if (!known.has(key)) throw new AuditConfigError(`audit spec: unknown option '${key}'`);
  if (query.has('password')) throw new AuditConfigError('audit spec: give the SASL password with passwordFile= or passwordEnv=, never in the spec');

  const options: KafkaConnectionOptions = {
    brokers,
    clientId: query.get('clientId') ?? 'gatehouse-audit',
    compression: parseCompression(query.get('compression')),
    requestTimeoutMs: parsePositive(query.get('timeoutMs'), 30_000, 'timeoutMs'),
    contentMode: parseContentMode(query.get('cloudevents')),
  };
  const tlsFiles = ['ca', 'cert', 'key'].filter((k) => query.has(k));
  if (query.get('tls') === 'true' || tlsFiles.length > 0 || query.has('tlsInsecure')) {
    options.ssl =
      tlsFiles.length === 0 && !query.has('tlsInsecure') && !query.has('servername')
        ? true
        : {
            ca: query.has('ca') ? [readOption(query.get('ca')!, 'ca')] : undefined,
            cert: query.has('cert') ? readOption(query.get('cert')!, 'cert') : undefined,
            key: query.has('key') ? readOption(query.get('key')!, 'key') : undefined,
            rejectUnauthorized: query.get('tlsInsecure') !== 'true',
            servername: query.get('servername') ?? undefined,
          };
  }
  const mechanism = query.get('sasl');
  if (mechanism !== null) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
      throw new AuditConfigError(`audit spec: sasl must be plain, scram-sha-256 or scram-sha-512, not '${mechanism}'`);
    }
    const username = query.get('username');
    if (!username) throw new AuditConfigError('audit spec: sasl needs username=');
    let password: string | undefined;
    if (query.has('passwordFile')) password = readOption(query.get('passwordFile')!, 'passwordFile').replace(/\r?\n$/, '');
    else if (query.has('passwordEnv')) password = env[query.get('passwordEnv')!];
    if (password === undefined || password === '') {
      throw new AuditConfigError('audit spec: sasl needs a password via passwordFile=FILE or passwordEnv=VAR (set and non-empty)');
    }
    options.sasl = { mechanism, username, password };
  }
  return options;
}

function parseCompression(value: string | null): 'gzip' | 'none' {
  if (value === null || value === 'gzip') return 'gzip';
  if (value === 'none') return 'none';
  throw new AuditConfigError(`audit spec: compression must be gzip or none, not '${value}'`);
}

function parseContentMode(value: string | null): CloudEventsContentMode {
  if (value === null || value === 'structured') return 'structured';
  if (value === 'binary') return 'binary';
  throw new AuditConfigError(`audit spec: cloudevents must be structured or binary, not '${value}'`);
}

function parsePositive(value: string | null, fallback: number, name: string): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new AuditConfigError(`audit spec: ${name} must be a positive integer`);
  return n;
}

function readOption(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuditConfigError(`audit spec: cannot read ${name} file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Journal bytes per send by default (the main thread needs it to know when a batch is full). */
export function defaultBatchBytes(kafka: KafkaConnectionOptions): number {
  // Uncompressed, a full 1 MiB of lines plus record overhead would pass the broker's default
  // message.max.bytes (1 MiB) when one partition takes the whole batch: stay well below it.
  return kafka.compression === 'gzip' ? 1024 * 1024 : 512 * 1024;
}
