import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { isErrorCode, type JsonObject, type JsonValue, parseResourceRef } from '../../engine/model/index.ts';
import { loadGatehouseProtos } from '../../proto/gatehouse-protos.ts';
import { jsonToStruct, structToJson } from '../../proto/struct-json.ts';
import type { ApprovalServiceClient } from '../../proto/generated/gatehouse/v1/ApprovalService.ts';
import type { AwaitApprovalResponse__Output } from '../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import type { Timestamp__Output } from '../../proto/generated/google/protobuf/Timestamp.ts';
import type { TokenServiceClient } from '../../proto/generated/gatehouse/v1/TokenService.ts';
import type { GetJwksResponse__Output } from '../../proto/generated/gatehouse/v1/GetJwksResponse.ts';
import type { IntrospectTokenResponse__Output } from '../../proto/generated/gatehouse/v1/IntrospectTokenResponse.ts';
import type { IssueTokenResponse__Output } from '../../proto/generated/gatehouse/v1/IssueTokenResponse.ts';
import type { RevokeTokenResponse__Output } from '../../proto/generated/gatehouse/v1/RevokeTokenResponse.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { unixSocketFlag } from '../unix-socket-flag.ts';

const USAGE = `usage:
  gatehouse token issue --decision HOST:PORT --action A [--action B] --resource Type:id --ttl 5m
                        [--max-uses N] [--executor E] [--constraint key=value]... [--resource-attr key=value]...
                        [--wait] [--format text|json]
  gatehouse token introspect --decision HOST:PORT (--token T | --token-file F|-) [--format text|json]
  gatehouse token revoke --decision HOST:PORT (--token-id ID | --subject S)
  gatehouse token jwks --decision HOST:PORT

  The caller's OIDC token comes from GATEHOUSE_OIDC_TOKEN or --oidc-token-file F.
  --decision HOST:PORT | unix:/PATH                      the decision service (TCP or its Unix domain socket)
  --decision-ca F [--decision-cert F --decision-key F]   TLS (and mTLS) to the service; plaintext without
  --timeout 30s                                          deadline of each call (default 30s; --wait waits up to the approval's expiry)

  issue prints the token on stdout (details on stderr). When policy requires an approval it prints the
  approval id on stderr and exits 4, or with --wait waits for the reviewer and then prints the token.
  Constraints: sqlKinds=select,insert  sqlTables=orders  sqlText='DELETE … WHERE id = 7'
               commandText='systemctl restart nginx'  argvPrefix='systemctl status'  (or a JSON value)`;

export const CONNECTION_FLAGS = {
  decision: { type: 'string' },
  'decision-ca': { type: 'string' },
  'decision-cert': { type: 'string' },
  'decision-key': { type: 'string' },
  'oidc-token-file': { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ConnectionFlags {
  decision?: string;
  'decision-ca'?: string;
  'decision-cert'?: string;
  'decision-key'?: string;
  'oidc-token-file'?: string;
  timeout?: string;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE + '\n');
    return sub === undefined ? 2 : 0;
  }
  switch (sub) {
    case 'issue':
      return issue(rest);
    case 'introspect':
      return introspect(rest);
    case 'revoke':
      return revoke(rest);
    case 'jwks':
      return jwks(rest);
    default:
      throw new UsageError(`token: unknown subcommand '${sub}' (issue, introspect, revoke, jwks)`);
  }
}

async function issue(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CONNECTION_FLAGS,
    action: { type: 'string', multiple: true },
    resource: { type: 'string' },
    'resource-attr': { type: 'string', multiple: true },
    ttl: { type: 'string' },
    'max-uses': { type: 'string' },
    executor: { type: 'string' },
    constraint: { type: 'string', multiple: true },
    wait: { type: 'boolean' },
  });
  if (values.help) return help();
  if (!values.action?.length) throw new UsageError('token issue: --action is required (repeat it for several)');
  if (!values.resource) throw new UsageError('token issue: --resource Type:id is required');
  if (!values.ttl) throw new UsageError('token issue: --ttl is required (e.g. 5m)');
  const ref = wrap(() => parseResourceRef(values.resource!));
  const attributes = Object.fromEntries((values['resource-attr'] ?? []).map((pair) => keyValue(pair, '--resource-attr')));
  const constraints: JsonObject = {};
  for (const pair of values.constraint ?? []) {
    const [key, value] = keyValue(pair, '--constraint');
    constraints[key] = constraintValue(key, value);
  }
  const maxUses = values['max-uses'] === undefined ? 0 : positiveInteger(values['max-uses'], '--max-uses');
  const connection = await connect(values);
  try {
    const response = await unary<IssueTokenResponse__Output>(connection, (client, metadata, options, done) =>
      client.tokens.IssueToken(
        {
          actions: values.action!,
          resource: { type: ref.type, id: ref.id, attributes: jsonToStruct(attributes) },
          ttl_seconds: durationSeconds(values.ttl!, '--ttl'),
          max_uses: maxUses,
          executor: values.executor ?? '',
          constraints: jsonToStruct(constraints),
        },
        metadata,
        options,
        done,
      ),
    );
    if (response.token) {
      printIssued(values.format, { token: response.token, tokenId: response.token_id, expiresAt: isoOf(response.expires_at), reasons: response.reasons });
      return 0;
    }
    process.stderr.write(`gatehouse: approval ${response.approval_id} pending: ${response.reasons.join('; ') || 'policy requires a reviewer'}\n`);
    if (!values.wait) {
      if (values.format === 'json') process.stdout.write(JSON.stringify({ approvalId: response.approval_id, reasons: response.reasons }) + '\n');
      return 4;
    }
    const last = await awaitApproval(connection, response.approval_id);
    const status = last?.approval?.status ?? 'APPROVAL_STATUS_UNSPECIFIED';
    if (!last?.token) {
      throw new CliError(`approval ${response.approval_id} ended ${status.replace('APPROVAL_STATUS_', '').toLowerCase()}${last?.approval?.resolution_reason ? `: ${last.approval.resolution_reason}` : ''}`);
    }
    printIssued(values.format, { token: last.token, tokenId: last.token_id, expiresAt: isoOf(last.token_expires_at), approvalId: response.approval_id, reasons: [] });
    return 0;
  } finally {
    connection.close();
  }
}

async function introspect(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...CONNECTION_FLAGS, token: { type: 'string' }, 'token-file': { type: 'string' } });
  if (values.help) return help();
  let token = values.token;
  if (values['token-file'] !== undefined) token = (await readSecret(values['token-file'], '--token-file')).trim();
  if (!token) throw new UsageError('token introspect: --token or --token-file is required');
  const connection = await connect(values);
  try {
    const r = await unary<IntrospectTokenResponse__Output>(connection, (client, metadata, options, done) => client.tokens.IntrospectToken({ token }, metadata, options, done));
    const view = {
      active: r.active,
      ...(r.active ? {} : { inactiveCheck: r.inactive_check, inactiveReason: r.inactive_reason }),
      tokenId: r.token_id,
      subject: r.subject,
      executor: r.executor,
      actions: r.actions,
      resource: r.resource ? `${r.resource.type}:${r.resource.id}` : '',
      constraints: structToJson(r.constraints, 'constraints'),
      groups: r.groups,
      maxUses: r.max_uses,
      uses: r.uses,
      issuedAt: isoOf(r.issued_at),
      expiresAt: isoOf(r.expires_at),
    };
    process.stdout.write(JSON.stringify(view, null, values.format === 'json' ? undefined : 2) + '\n');
    return r.active ? 0 : 1;
  } finally {
    connection.close();
  }
}

async function revoke(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...CONNECTION_FLAGS, 'token-id': { type: 'string' }, subject: { type: 'string' } });
  if (values.help) return help();
  if ((values['token-id'] === undefined) === (values.subject === undefined)) throw new UsageError('token revoke: give exactly one of --token-id or --subject');
  const request = values['token-id'] !== undefined ? { token_id: values['token-id'] } : { subject: values.subject! };
  const connection = await connect(values);
  try {
    const r = await unary<RevokeTokenResponse__Output>(connection, (client, metadata, options, done) => client.tokens.RevokeToken(request, metadata, options, done));
    process.stderr.write(`gatehouse: revoked ${values['token-id'] ? `token ${values['token-id']}` : `every token of ${values.subject}`} at ${isoOf(r.revoked_at)}\n`);
    return 0;
  } finally {
    connection.close();
  }
}

async function jwks(argv: string[]): Promise<number> {
  const { values } = parse(argv, CONNECTION_FLAGS);
  if (values.help) return help();
  const connection = await connect(values, { anonymous: true });
  try {
    const r = await unary<GetJwksResponse__Output>(connection, (client, metadata, options, done) => client.tokens.GetJwks({}, metadata, options, done));
    process.stdout.write(JSON.stringify({ keys: r.keys }) + '\n');
    return 0;
  } finally {
    connection.close();
  }
}

// ---- shared with `gatehouse approvals` ----

export interface Connection {
  address: string;
  tokens: TokenServiceClient;
  approvals: ApprovalServiceClient;
  metadata: grpc.Metadata;
  timeoutMs: number;
  close(): void;
}

/** Opens clients for TokenService and ApprovalService with the caller's OIDC token attached. */
export async function connect(flags: ConnectionFlags, options: { anonymous?: boolean } = {}): Promise<Connection> {
  if (!flags.decision) throw new UsageError('--decision HOST:PORT is required');
  if (unixSocketFlag('token', 'decision', flags.decision) === undefined && !/^[^\s/]+:\d+$/.test(flags.decision)) {
    throw new UsageError(`--decision must be HOST:PORT or unix:/PATH, got '${flags.decision}'`);
  }
  const metadata = new grpc.Metadata();
  if (!options.anonymous) metadata.set('authorization', `Bearer ${await callerToken(flags)}`);
  let credentials = grpc.credentials.createInsecure();
  if (flags['decision-ca'] !== undefined) {
    if ((flags['decision-cert'] === undefined) !== (flags['decision-key'] === undefined)) throw new UsageError('--decision-cert and --decision-key go together');
    credentials = grpc.credentials.createSsl(
      Buffer.from(await readSecret(flags['decision-ca'], '--decision-ca')),
      flags['decision-key'] ? Buffer.from(await readSecret(flags['decision-key'], '--decision-key')) : null,
      flags['decision-cert'] ? Buffer.from(await readSecret(flags['decision-cert'], '--decision-cert')) : null,
    );
  } else if (flags['decision-cert'] !== undefined || flags['decision-key'] !== undefined) {
    throw new UsageError('--decision-cert/--decision-key need --decision-ca');
  }
  const { services } = loadGatehouseProtos();
  const tokens = new services.TokenService(flags.decision, credentials);
  const approvals = new services.ApprovalService(flags.decision, credentials);
  return {
    address: flags.decision,
    tokens,
    approvals,
    metadata,
    timeoutMs: flags.timeout ? durationSeconds(flags.timeout, '--timeout') * 1000 : 30_000,
    close: () => {
      tokens.close();
      approvals.close();
    },
  };
}

type Callback<R> = (error: grpc.ServiceError | null, response?: R) => void;

/** One unary call with the caller's metadata and deadline; a failure becomes one CliError line. */
export function unary<R>(
  connection: Connection,
  invoke: (clients: Pick<Connection, 'tokens' | 'approvals'>, metadata: grpc.Metadata, options: grpc.CallOptions, done: Callback<R>) => unknown,
): Promise<R> {
  return new Promise((resolve, reject) => {
    invoke(connection, connection.metadata, { deadline: Date.now() + connection.timeoutMs }, (error, response) => {
      if (error || response === undefined) reject(cliErrorOf(error, connection.address));
      else resolve(response);
    });
  });
}

/** Streams AwaitApproval until the final state; returns the last message. */
export function awaitApproval(connection: Connection, approvalId: string, onUpdate?: (m: AwaitApprovalResponse__Output) => void): Promise<AwaitApprovalResponse__Output | undefined> {
  return new Promise((resolve, reject) => {
    let last: AwaitApprovalResponse__Output | undefined;
    const stream = connection.approvals.AwaitApproval({ approval_id: approvalId }, connection.metadata);
    stream.on('data', (message: AwaitApprovalResponse__Output) => {
      last = message;
      onUpdate?.(message);
    });
    stream.on('error', (error: grpc.ServiceError) => reject(cliErrorOf(error, connection.address)));
    stream.on('end', () => resolve(last));
  });
}

export function cliErrorOf(error: grpc.ServiceError | null, address: string): CliError {
  if (!error) return new CliError('the service answered nothing');
  if (error.code === grpc.status.UNAVAILABLE) return new CliError(`cannot reach the decision service at ${address}: ${error.details}`);
  if (error.code === grpc.status.DEADLINE_EXCEEDED) return new CliError(`the decision service at ${address} did not answer in time`);
  const name = (grpc.status[error.code] ?? String(error.code)).toLowerCase().replace(/_/g, ' ');
  // The service names the stable code of a refusal in trailing metadata (docs/errors.md).
  const sent = error.metadata?.get('gatehouse-error-code')[0];
  const code = typeof sent === 'string' && isErrorCode(sent) ? sent : undefined;
  return new CliError(`${name}: ${error.details.split('\n', 1)[0]}`, code);
}

export function durationSeconds(text: string, flag: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration like 90s, 5m, 1h (got '${text}')`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export function parse<const T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n', 1)[0]!);
  }
}

async function callerToken(flags: ConnectionFlags): Promise<string> {
  const token = flags['oidc-token-file'] !== undefined ? await readSecret(flags['oidc-token-file'], '--oidc-token-file') : process.env.GATEHOUSE_OIDC_TOKEN;
  const trimmed = token?.toString().trim();
  if (!trimmed) throw new UsageError('no caller identity: set GATEHOUSE_OIDC_TOKEN or --oidc-token-file');
  return trimmed;
}

async function readSecret(path: string, flag: string): Promise<string> {
  try {
    return path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`${flag} ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function printIssued(format: string | undefined, issued: { token: string; tokenId: string; expiresAt: string; approvalId?: string; reasons: string[] }): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(issued) + '\n');
    return;
  }
  process.stderr.write(`gatehouse: token ${issued.tokenId} expires ${issued.expiresAt}${issued.approvalId ? ` (approval ${issued.approvalId})` : ''}\n`);
  process.stdout.write(issued.token + '\n');
}

function keyValue(pair: string, flag: string): [string, string] {
  const index = pair.indexOf('=');
  if (index <= 0) throw new UsageError(`${flag} must be key=value (got '${pair}')`);
  return [pair.slice(0, index), pair.slice(index + 1)];
}

function constraintValue(key: string, value: string): JsonValue {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value) as JsonValue;
    } catch {
      throw new UsageError(`--constraint ${key}: not valid JSON`);
    }
  }
  if (key === 'sqlKinds' || key === 'sqlTables') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (key === 'argvPrefix') return value.split(/\s+/).filter(Boolean);
  return value;
}

function positiveInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive integer`);
  return Number(text);
}

function isoOf(ts: Timestamp__Output | null | undefined): string {
  if (!ts) return '';
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}
export { isoOf };

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function help(): number {
  process.stdout.write(USAGE + '\n');
  return 0;
}
