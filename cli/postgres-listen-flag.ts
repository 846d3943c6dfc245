import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { UsageError } from './cli-error.ts';
import { hostPortFlag, type HostPort } from './host-port.ts';
import { MAX_SOCKET_PATH_BYTES } from '../engine/runtime/index.ts';
import { unixSocketFlag } from './unix-socket-flag.ts';

// libpq's socket name in a directory: `psql -h DIR -p PORT` connects to DIR/.s.PGSQL.PORT.
const PG_SOCKET_NAME = /^\.s\.PGSQL\.(\d{1,5})$/;
const PSQL_DEFAULT_PORT = 5432;

/**
 * `--listen` of the PostgreSQL proxy: HOST:PORT, or `unix:DIR` / `unix:DIR/.s.PGSQL.PORT` for a
 * Unix domain socket. A socket is held as libpq does: a host that starts with `/` is the directory.
 */
export function postgresListenFlag(command: string, value: string): HostPort {
  const path = unixSocketFlag(command, 'listen', value);
  if (path === undefined) return hostPortFlag(command, 'listen', value);
  const listen = socketListen(command, value, path);
  // The socket file's own name makes the path longer than the directory given.
  if (Buffer.byteLength(`${listen.host}/.s.PGSQL.${listen.port}`) > MAX_SOCKET_PATH_BYTES) {
    throw new UsageError(`${command}: --listen socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes, got '${value}'`);
  }
  return listen;
}

function socketListen(command: string, value: string, path: string): HostPort {
  const named = PG_SOCKET_NAME.exec(basename(path));
  if (named) {
    const port = Number(named[1]);
    if (port < 1 || port > 65535) throw new UsageError(`${command}: --listen socket port must be 1-65535, got '${value}'`);
    return { host: checkDirectory(command, value, dirname(path)), port };
  }
  return { host: checkDirectory(command, value, path.replace(/\/+$/, '') || '/'), port: PSQL_DEFAULT_PORT };
}

function checkDirectory(command: string, value: string, dir: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) throw new UsageError(`${command}: --listen must be unix:DIR or unix:DIR/.s.PGSQL.PORT with an existing DIR, got '${value}'`);
  return dir;
}
