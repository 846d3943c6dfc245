import { join } from 'node:path';
import { clearStaleSocket, listenOwnerOnly } from '../../engine/runtime/index.ts';
import { createServer, connect as connectTcp, type Server } from 'node:net';
import { initSqlParser } from '../../engine/sql/index.ts';
import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { PostgresSession, type CancelRegistry, type PostgresProxyOptions, type SessionLog } from './client-session.ts';
import type { UpstreamTarget } from './upstream/upstream-connection.ts';
import { CANCEL_REQUEST_CODE } from './wire/frontend-messages.ts';
import { errorResponse } from './wire/backend-messages.ts';
import { checkUpstreamRole } from './upstream-privileges.ts';

type Log = SessionLog;

/**
 * Forwards a client's CancelRequest to the upstream backend it names. Clients see the
 * upstream's own BackendKeyData, so the pair identifies a backend; the secret is compared
 * in constant time and only keys of live sessions of this proxy are honoured.
 */
export class UpstreamCancelRegistry implements CancelRegistry {
  private readonly live = new Map<number, { secret: Buffer; target: UpstreamTarget }>();

  register(processId: number, secretKey: number, target: UpstreamTarget): () => void {
    const secret = Buffer.alloc(4);
    secret.writeInt32BE(secretKey, 0);
    this.live.set(processId, { secret, target });
    return () => this.live.delete(processId);
  }

  cancel(processId: number, secretKey: number): void {
    const entry = this.live.get(processId);
    const offered = Buffer.alloc(4);
    offered.writeInt32BE(secretKey, 0);
    if (!entry || !timingSafeEqual(entry.secret, offered)) return;
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeInt32BE(processId, 8);
    packet.writeInt32BE(secretKey, 12);
    const socket = connectTcp({ host: entry.target.host, port: entry.target.port }, () => socket.end(packet));
    socket.on('error', () => socket.destroy());
  }
}

export interface RunningPostgresProxy {
  address: { host: string; port: number };
  sessions: number;
  close(): Promise<void>;
}

export interface PostgresProxyListenOptions extends PostgresProxyOptions {
  /** A host that starts with `/` is a socket directory, as in libpq: DIR/.s.PGSQL.PORT. */
  listen: { host: string; port: number };
  /** Concurrent client connections; one more is refused with 53300. Default 100. */
  maxSessions?: number;
  /** Start even when the upstream role is a superuser or has BYPASSRLS (upstream-privileges.ts). */
  allowPrivilegedUpstream?: boolean;
}

export const DEFAULT_MAX_SESSIONS = 100;

export async function startPostgresProxy(options: PostgresProxyListenOptions, log: Log): Promise<RunningPostgresProxy> {
  // The proxy reads statements itself too (statement-preview.ts): the parser must be loaded.
  await initSqlParser();
  const privileges = await checkUpstreamRole(options.upstream, options.allowPrivilegedUpstream === true);
  if (privileges.superuser || privileges.bypassRls) {
    log('warn', 'the upstream role is privileged (--allow-privileged-upstream): the database does not back up what the proxy enforces', { role: privileges.role });
  }
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const cancels = new UpstreamCancelRegistry();
  const sessions = new Set<PostgresSession>();
  const sockets = new Set<Socket>();
  const socketPath = postgresSocketPath(options.listen);
  const sessionOptions: PostgresProxyOptions = socketPath === undefined ? options : { ...options, unixSocketClients: true };
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    // A session's own failures end that session; nothing a client sends may reach the server.
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (sessions.size >= maxSessions) {
      // Each session holds an upstream connection and bounded buffers: the count bounds the proxy.
      socket.end(errorResponse({ severity: 'FATAL', code: '53300', message: `gatehouse: too many connections through this proxy (limit ${maxSessions}); try again later` }));
      return;
    }
    const session = new PostgresSession(socket, sessionOptions, cancels, log);
    sessions.add(session);
    socket.once('close', () => sessions.delete(session));
  });
  const listening = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const onListening = () => {
        server.off('error', reject);
        resolve();
      };
      if (socketPath === undefined) server.listen(options.listen.port, options.listen.host, onListening);
      else server.listen(socketPath, onListening);
    });
  if (socketPath === undefined) await listening();
  else {
    await clearStaleSocket(socketPath);
    await listenOwnerOnly(socketPath, listening);
  }
  // An accept failure (e.g. EMFILE) after listening must be logged, never crash every session.
  server.on('error', (error: Error) => log('warn', 'postgres proxy listener error', { error: error.message }));
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.listen.port;
  if (socketPath !== undefined) log('info', 'postgres proxy socket', { path: socketPath });
  log('info', 'postgres proxy listening', { host: options.listen.host, port, resource: options.resource.id });
  return {
    address: { host: options.listen.host, port },
    get sessions() {
      return sessions.size;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.shutdown();
        // Clients that do not hang up after the FATAL are cut off.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 2_000).unref();
      });
    },
  };
}

/** The Unix domain socket of a listen address whose host is a directory, as libpq names it. */
export function postgresSocketPath(listen: { host: string; port: number }): string | undefined {
  return listen.host.startsWith('/') ? join(listen.host, `.s.PGSQL.${listen.port}`) : undefined;
}
