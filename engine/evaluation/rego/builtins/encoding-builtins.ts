import { BuiltinError, stringOperand, type HostBuiltin } from './rego-value.ts';

/** OPA's hex.* builtins (v1/topdown/encoding.go). */

export const encodingBuiltins: Record<string, HostBuiltin> = {
  'hex.encode': (args) => Buffer.from(stringOperand(args, 1), 'utf8').toString('hex'),
  'hex.decode': (args) => {
    const text = stringOperand(args, 1);
    // Go's hex.DecodeString: an odd length or any non-hex character is an error.
    const bad = /[^0-9a-fA-F]/.exec(text);
    if (bad) throw new BuiltinError(`encoding/hex: invalid byte: U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    if (text.length % 2 !== 0) throw new BuiltinError('encoding/hex: odd length hex string');
    return Buffer.from(text, 'hex').toString('utf8');
  },
};
