import { UsageError } from './cli-error.ts';

/** A listen or connect address; an IPv6 host is held without its brackets. */
export interface HostPort {
  host: string;
  port: number;
}

// A host name, an IPv4 address or a bracketed IPv6 address, then a port: no scheme, no path.
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Checks the HOST:PORT value of `--<flag>` of `command`; a bad one is a one-line usage error. */
export function hostPortFlag(command: string, flag: string, value: string): HostPort {
  const match = HOST_PORT.exec(value);
  if (!match || Number(match[2]) > 65535) throw new UsageError(`${command}: --${flag} must be HOST:PORT, got '${value}'`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

/** HOST:PORT again, with brackets around an IPv6 host (the gRPC target form). */
export function formatHostPort(address: HostPort): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
