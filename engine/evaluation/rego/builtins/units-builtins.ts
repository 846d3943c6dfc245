import { BuiltinError, integerValue, stringOperand, type HostBuiltin } from './rego-value.ts';

/** OPA's units.parse_bytes (v1/topdown/parse_bytes.go), with exact decimal arithmetic. */

const MULTIPLIERS: Record<string, bigint> = {
  '': 1n,
  kb: 1000n, k: 1000n, kib: 1024n, ki: 1024n,
  mb: 1000n ** 2n, m: 1000n ** 2n, mib: 1024n ** 2n, mi: 1024n ** 2n,
  gb: 1000n ** 3n, g: 1000n ** 3n, gib: 1024n ** 3n, gi: 1024n ** 3n,
  tb: 1000n ** 4n, t: 1000n ** 4n, tib: 1024n ** 4n, ti: 1024n ** 4n,
  pb: 1000n ** 5n, p: 1000n ** 5n, pib: 1024n ** 5n, pi: 1024n ** 5n,
  eb: 1000n ** 6n, e: 1000n ** 6n, eib: 1024n ** 6n, ei: 1024n ** 6n,
};

function splitNumber(s: string): [string, string] {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9.+-]/.test(c)) continue;
    if (c === 'e') {
      const next = s[i + 1];
      if (next === undefined || !/[0-9+-]/.test(next)) return [s.slice(0, i), s.slice(i)];
      if (next === '+' || next === '-') i++;
      const digits = /^\d*/.exec(s.slice(i + 1))![0];
      if (digits.length > 3) throw new BuiltinError('exponent too large');
      continue;
    }
    return [s.slice(0, i), s.slice(i)];
  }
  return [s, ''];
}

/** Truncated product of a decimal literal and an integer multiplier. */
function multiply(num: string, multiplier: bigint): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(num);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new BuiltinError('could not parse byte amount to a number');
  const digits = BigInt(`${m[2] || '0'}${m[3] ?? ''}`);
  const exponent = Number(m[4] ?? '0') - (m[3] ?? '').length;
  let value = digits * multiplier;
  value = exponent >= 0 ? value * 10n ** BigInt(exponent) : value / 10n ** BigInt(-exponent);
  return m[1] === '-' ? -value : value;
}

export const unitsBuiltins: Record<string, HostBuiltin> = {
  'units.parse_bytes': (args) => {
    const s = stringOperand(args, 1).toLowerCase().replaceAll('"', '');
    if (s.includes(' ')) throw new BuiltinError('spaces not allowed in resource strings');
    const [num, unit] = splitNumber(s);
    if (num === '') throw new BuiltinError('no byte amount provided');
    const multiplier = MULTIPLIERS[unit];
    if (multiplier === undefined) throw new BuiltinError(`byte unit ${unit} not recognized`);
    return integerValue(multiply(num, multiplier));
  },
};
