import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { GatehouseError } from '../../model/index.ts';

/** The opa version Gatehouse pins; `scripts/install-opa` installs exactly this one. */
export const OPA_VERSION = 'v1.22.3';

export class ToolchainError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_TOOLCHAIN', message);
    this.name = 'ToolchainError';
  }
}

function cacheRoot(): string {
  return process.env.GATEHOUSE_CACHE ?? join(homedir(), '.cache', 'gatehouse');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let resolved: string | undefined;

/**
 * Finds the opa CLI: $GATEHOUSE_OPA, then `opa` on PATH, then the pinned copy in the cache.
 * Throws a ToolchainError whose message is the one line a user needs.
 */
export function findOpa(): string {
  if (resolved) return resolved;
  const explicit = process.env.GATEHOUSE_OPA;
  if (explicit) {
    if (!existsSync(explicit)) throw new ToolchainError(`GATEHOUSE_OPA points to ${explicit}, which does not exist`);
    return (resolved = explicit);
  }
  // scripts/install-opa builds with WebAssembly support (-tags opa_wasm) into its own directory.
  const cached = join(cacheRoot(), 'opa', `${OPA_VERSION}-wasm`, 'opa');
  const found = onPath('opa') ?? (existsSync(cached) ? cached : undefined);
  if (found) return (resolved = found);
  const hasGo = onPath('go') !== undefined;
  throw new ToolchainError(
    hasGo
      ? `opa CLI not found: run scripts/install-opa to build opa ${OPA_VERSION} with Go, or put opa on PATH`
      : `opa CLI not found and Go is not installed: install Go (then run scripts/install-opa) or put opa ${OPA_VERSION} on PATH`,
  );
}

/** Runs opa synchronously with an argv (never a shell string) and returns stdout. */
export function runOpa(args: string[], options: { cwd?: string; input?: string } = {}): string {
  return execFileSync(findOpa(), args, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
