import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { isMainThread } from 'node:worker_threads';

/** The longest socket path the kernel takes (sun_path is 108 bytes with its terminating NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The socket path of a `unix:/ABSOLUTE/PATH` address, or undefined for any other address. */
export function unixSocketPathOf(address: string): string | undefined {
  return address.startsWith('unix:') ? address.slice('unix:'.length) : undefined;
}

/**
 * Removes a socket file left behind by a process that died, so listening on it can start again.
 * Fails closed: a path that is not a socket, or a socket something still answers on, is left alone.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  const answered = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      probe.destroy();
      // Only "nobody listens" makes the file stale; any other failure (EACCES…) leaves it be.
      resolve(error.code !== 'ECONNREFUSED');
    });
  });
  if (answered) throw new Error(`something already listens on ${path} (or it cannot be probed)`);
  await unlink(path);
}

/**
 * Runs `listen` (which creates the socket file at `path`) so the file is owner-only (0600) from its
 * creation: the umask is narrowed while it runs, since a chmod afterwards leaves a window in which
 * another user could connect. Files the process creates meanwhile are only ever made stricter.
 */
export async function listenOwnerOnly<T>(path: string, listen: () => Promise<T>): Promise<T> {
  // Worker threads cannot change the umask; the chmod below still applies there.
  const previous = isMainThread ? process.umask(0o177) : undefined;
  try {
    const result = await listen();
    await chmod(path, 0o600);
    return result;
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
