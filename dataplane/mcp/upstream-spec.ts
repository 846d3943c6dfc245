import { GatehouseError } from '../../engine/model/index.ts';

/** One upstream MCP server as given to `--upstream NAME=URL|CMD`. */
export type UpstreamSpec =
  | { name: string; kind: 'http'; url: URL }
  | { name: string; kind: 'stdio'; command: string; args: string[] };

/**
 * Server names are what agents see in front of every tool and prompt name (`NAME__tool`), so
 * they may not contain the separator: lower-case letters, digits and single dashes.
 */
const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export class UpstreamSpecError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_MCP_CONFIG', message);
    this.name = 'UpstreamSpecError';
  }
}

/**
 * Parses `NAME=http(s)://…` (Streamable HTTP) or `NAME=COMMAND ARG…` (a stdio server the
 * proxy starts). The command is split on whitespace and run without a shell, so no quoting,
 * globbing or variables: an operator who needs them writes a small wrapper script.
 */
export function parseUpstreamSpec(text: string): UpstreamSpec {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UpstreamSpecError(`upstream '${text}' must be NAME=URL or NAME=COMMAND, e.g. db=http://127.0.0.1:3001/mcp`);
  const name = text.slice(0, eq);
  const target = text.slice(eq + 1).trim();
  if (!NAME.test(name) || name.length > 64) {
    throw new UpstreamSpecError(`upstream name '${name}' must be lower-case letters, digits and single dashes (at most 64)`);
  }
  if (target === '') throw new UpstreamSpecError(`upstream ${name} has no URL or command`);
  if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UpstreamSpecError(`upstream ${name}: '${target}' is not a URL`);
    }
    return { name, kind: 'http', url };
  }
  const [command, ...args] = target.split(/\s+/);
  return { name, kind: 'stdio', command: command!, args };
}
