import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { BodyReader } from '../wire/body-reader.ts';
import { decodeFields, typed } from '../wire/backend-messages.ts';
import { PROTOCOL_V3 } from '../wire/frontend-messages.ts';
import { MessageFramer, ProtocolViolation } from '../wire/message-framer.ts';
import { ScramClient, ScramError } from './scram-client.ts';
import { GatehouseError } from '../../../engine/model/index.ts';

/** Where the proxy connects, with its own credentials (never the client's). */
export interface UpstreamTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** 'disable' | 'require'; require = TLS without CA verification beyond Node defaults. */
  sslmode: 'disable' | 'require';
}

export interface UpstreamSession {
  socket: Socket;
  /** Bytes already read past ReadyForQuery (normally none). */
  framer: MessageFramer;
  /** Raw ParameterStatus messages, passed through to the client. */
  parameterStatus: Buffer[];
  /** Raw BackendKeyData message, passed through so the client can cancel. */
  backendKeyData: Buffer | undefined;
  processId: number;
  secretKey: number;
}

export class UpstreamError extends GatehouseError {
  constructor(message: string, readonly sqlState = '08006') {
    super('GATEHOUSE_PG_UPSTREAM', message);
    this.name = 'UpstreamError';
  }
}

export function parseUpstreamUrl(url: string): UpstreamTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UpstreamError(`--upstream must be a postgres:// URL, got '${url.replace(/:[^:@/]*@/, ':***@')}'`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UpstreamError('--upstream must be a postgres:// URL');
  }
  const sslmode = parsed.searchParams.get('sslmode') ?? 'disable';
  if (sslmode !== 'disable' && sslmode !== 'require') throw new UpstreamError(`--upstream sslmode must be disable or require`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username),
    sslmode,
  };
}

function startupPacket(parameters: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(parameters)) parts.push(Buffer.from(`${k}\0${v}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  const body = Buffer.concat(parts);
  const head = Buffer.allocUnsafe(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(PROTOCOL_V3, 4);
  return Buffer.concat([head, body]);
}

function sasl(mechanism: string, data: string): Buffer {
  const payload = Buffer.from(data, 'utf8');
  const len = Buffer.allocUnsafe(4);
  len.writeInt32BE(payload.length, 0);
  return typed('p', Buffer.concat([Buffer.from(`${mechanism}\0`), len, payload]));
}

async function openSocket(target: UpstreamTarget, timeoutMs: number): Promise<Socket> {
  const socket = connectTcp({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  await waitFor(socket, 'connect', timeoutMs, `connect to upstream ${target.host}:${target.port}`);
  if (target.sslmode === 'disable') return socket;
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  socket.write(request);
  const answer = await new Promise<Buffer>((resolve, reject) => {
    socket.once('data', resolve);
    socket.once('error', reject);
  });
  if (answer[0] !== 0x53) throw new UpstreamError('upstream refused TLS (sslmode=require)');
  const tls = connectTls({ socket, servername: target.host });
  await waitFor(tls, 'secureConnect', timeoutMs, 'TLS handshake with upstream');
  return tls;
}

function waitFor(socket: Socket, event: string, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamError(`${what} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new UpstreamError(`${what} failed: ${error.message}`));
    });
  });
}

/**
 * Opens an authenticated upstream session and reads up to the first ReadyForQuery.
 * `clientParameters` are the allow-listed startup parameters the client asked for.
 */
export async function connectUpstream(
  target: UpstreamTarget,
  clientParameters: Record<string, string>,
  timeoutMs = 10_000,
): Promise<UpstreamSession> {
  const socket = await openSocket(target, timeoutMs);
  const framer = new MessageFramer(64 * 1024 * 1024);
  const session: UpstreamSession = { socket, framer, parameterStatus: [], backendKeyData: undefined, processId: 0, secretKey: 0 };
  socket.write(startupPacket({ ...clientParameters, user: target.user, database: target.database }));
  let scram: ScramClient | undefined;

  return new Promise<UpstreamSession>((resolve, reject) => {
    const timer = setTimeout(() => fail(new UpstreamError(`upstream startup timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.destroy();
      reject(error instanceof UpstreamError ? error : new UpstreamError(error.message));
    };
    const onData = (chunk: Buffer): void => {
      framer.push(chunk);
      try {
        for (let message = framer.next(); message; message = framer.next()) {
          const type = String.fromCharCode(message.type);
          if (type === 'R') {
            const reader = new BodyReader(message.body, 'Authentication');
            const code = reader.int32();
            if (code === 0) continue;
            if (code === 10) {
              const mechanisms: string[] = [];
              for (let m = reader.cstring(); m !== ''; m = reader.cstring()) mechanisms.push(m);
              if (!mechanisms.includes('SCRAM-SHA-256')) throw new UpstreamError(`upstream offers no SCRAM-SHA-256 (${mechanisms.join(', ')})`);
              scram = new ScramClient(target.password);
              socket.write(sasl('SCRAM-SHA-256', scram.firstMessage()));
            } else if (code === 11) {
              if (!scram) throw new UpstreamError('upstream sent SASLContinue before SASL');
              socket.write(typed('p', Buffer.from(scram.finalMessage(reader.rest().toString('utf8')), 'utf8')));
            } else if (code === 12) {
              if (!scram) throw new UpstreamError('upstream sent SASLFinal before SASL');
              scram.verifyFinal(reader.rest().toString('utf8'));
            } else if (code === 3 && target.sslmode === 'require') {
              socket.write(typed('p', Buffer.from(`${target.password}\0`, 'utf8')));
            } else {
              throw new UpstreamError(`upstream asks for authentication method ${code}; Gatehouse needs scram-sha-256 (or password over TLS)`);
            }
          } else if (type === 'S') {
            session.parameterStatus.push(typed('S', message.body));
          } else if (type === 'K') {
            const reader = new BodyReader(message.body, 'BackendKeyData');
            session.processId = reader.int32();
            session.secretKey = reader.int32();
            session.backendKeyData = typed('K', message.body);
          } else if (type === 'E') {
            const fields = decodeFields(message.body);
            throw new UpstreamError(`upstream refused the connection: ${fields.get('M') ?? 'error'}`, fields.get('C') ?? '08006');
          } else if (type === 'Z') {
            clearTimeout(timer);
            socket.off('data', onData);
            socket.off('error', onError);
            socket.off('close', onClose);
            resolve(session);
            return;
          }
          // NoticeResponse and NegotiateProtocolVersion during startup carry nothing the client needs.
        }
      } catch (error) {
        fail(error instanceof ScramError || error instanceof ProtocolViolation ? new UpstreamError(error.message) : (error as Error));
      }
    };
    const onError = (error: Error): void => fail(new UpstreamError(`upstream connection failed: ${error.message}`));
    socket.on('data', onData);
    socket.once('error', onError);
    const onClose = (): void => fail(new UpstreamError('upstream closed the connection during startup'));
    socket.once('close', onClose);
  });
}
