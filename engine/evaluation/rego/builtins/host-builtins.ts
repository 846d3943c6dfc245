import { cryptoBuiltins } from './crypto-builtins.ts';
import { encodingBuiltins } from './encoding-builtins.ts';
import { jwtBuiltins } from './jwt-builtins.ts';
import { netBuiltins } from './net-builtins.ts';
import type { HostBuiltin } from './rego-value.ts';
import { regexBuiltins } from './regex-builtins.ts';
import { sdkBuiltins } from './sdk-builtins.ts';
import { stringsBuiltins } from './strings-builtins.ts';
import { timeBuiltins } from './time-builtins.ts';
import { unitsBuiltins } from './units-builtins.ts';

/**
 * Every builtin Gatehouse supplies to compiled Rego beyond what the WASM module implements
 * natively. Gatehouse's own implementations win over the SDK's (regex.split: RE2, not RegExp).
 * The capabilities file given to `opa build` is derived from this list, so a policy using any
 * other non-native builtin fails at build, naming it.
 */
export const HOST_BUILTINS: ReadonlyMap<string, HostBuiltin> = new Map(
  Object.entries({
    ...sdkBuiltins,
    ...timeBuiltins,
    ...jwtBuiltins,
    ...cryptoBuiltins,
    ...netBuiltins,
    ...regexBuiltins,
    ...stringsBuiltins,
    ...encodingBuiltins,
    ...unitsBuiltins,
  }),
);
