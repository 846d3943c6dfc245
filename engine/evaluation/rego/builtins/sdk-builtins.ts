import { createRequire } from 'node:module';
import type { HostBuiltin, RegoValue } from './rego-value.ts';

/**
 * The builtins `@open-policy-agent/opa-wasm` itself implements in JavaScript (sprintf, yaml.*,
 * json.is_valid). Gatehouse dispatches builtin calls itself (for exact big integers), so it loads
 * the SDK's own implementations from the package rather than re-writing them. regex.split is
 * deliberately overridden in regex-builtins.ts (the SDK uses JavaScript's RegExp, not RE2).
 */

type SdkFunction = (...args: unknown[]) => unknown;

function loadSdkBuiltins(): Record<string, SdkFunction> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@open-policy-agent/opa-wasm');
  // A relative require is not subject to the package's "exports" map.
  return createRequire(entry)('./builtins/index.js') as Record<string, SdkFunction>;
}

/** The SDK parses builtin arguments with JSON.parse, so it sees big integers as doubles. */
function toPlainJson(value: RegoValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlainJson(v);
    return out;
  }
  return value;
}

function fromPlainJson(value: unknown): RegoValue | undefined {
  if (value === undefined) return undefined;
  // Round-trip through JSON exactly as the SDK's _loadJSON does.
  return JSON.parse(JSON.stringify(value)) as RegoValue;
}

function wrap(fn: SdkFunction): HostBuiltin {
  return (args) => fromPlainJson(fn(...args.map(toPlainJson)));
}

const sdk = loadSdkBuiltins();

export const SDK_BUILTIN_NAMES: readonly string[] = Object.keys(sdk);

export const sdkBuiltins: Record<string, HostBuiltin> = Object.fromEntries(
  Object.entries(sdk).map(([name, fn]) => [name, wrap(fn)]),
);
