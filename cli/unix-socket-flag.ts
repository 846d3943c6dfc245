import { MAX_SOCKET_PATH_BYTES } from '../engine/runtime/index.ts';
import { UsageError } from './cli-error.ts';

/**
 * The path of a `unix:/ABSOLUTE/PATH` value of `--<flag>`, or undefined when the value is not a
 * `unix:` address; a malformed one is a one-line usage error.
 */
export function unixSocketFlag(command: string, flag: string, value: string): string | undefined {
  if (!value.startsWith('unix:')) return undefined;
  const path = value.slice('unix:'.length);
  if (!path.startsWith('/') || path.includes('\0') || /[,\s]/.test(path)) {
    throw new UsageError(`${command}: --${flag} must be unix:/ABSOLUTE/PATH, got '${value}'`);
  }
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new UsageError(`${command}: --${flag} socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes, got '${value}'`);
  }
  return path;
}
