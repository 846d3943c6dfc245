import { BuiltinError } from './rego-value.ts';

/**
 * OPA's time.parse_duration_ns: Go's time.ParseDuration, plus OPA's extended units d (24h),
 * w (7d) and y (365d), which OPA rewrites to hours before handing the string to Go.
 */

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5
  'μs': 1_000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const LIMIT = 1n << 63n;

function invalid(orig: string, what = 'invalid duration'): BuiltinError {
  return new BuiltinError(`time: ${what} ${JSON.stringify(orig)}`);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Go's time.ParseDuration, exactly (uint64 arithmetic with its overflow checks). */
export function parseStdDuration(s: string, orig = s): bigint {
  let d = 0n;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid(orig);
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid(orig);
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      if (v > LIMIT / 10n) throw invalid(orig);
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) throw invalid(orig);
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > (LIMIT - 1n) / 10n) {
            overflow = true;
          } else {
            const next = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (next > LIMIT) overflow = true;
            else {
              f = next;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid(orig);
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) throw invalid(orig, 'missing unit in duration');
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS[unitName];
    if (unit === undefined) throw new BuiltinError(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(orig)}`);
    if (v > LIMIT / unit) throw invalid(orig);
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid(orig);
    }
    d += v;
    if (d > LIMIT) throw invalid(orig);
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid(orig);
  return d;
}

const EXTENDED_HOURS: Record<string, number> = { d: 24, w: 7 * 24, y: 365 * 24 };

/** Go's strconv.FormatFloat(x, 'f', -1, 64): shortest round-trip digits, never an exponent. */
function formatFloatF(x: number): string {
  const text = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= 0) return m[1] + digits.padEnd(exp + 1, '0');
  return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`;
}

export function parseGoDuration(s: string): bigint {
  if (s === '') throw invalid(s);
  if (!/[dwy]/.test(s)) return parseStdDuration(s);
  // OPA's PEG grammar: sign? (digits-or-dots unit)+ with unit ms|us|µs|ns|[a-z].
  const grammar = /^([-+])?((?:[0-9.]+(?:ms|us|µs|ns|[a-z]))+)$/u;
  const m = grammar.exec(s);
  if (!m) throw invalid(s);
  let rewritten = m[1] ?? '';
  for (const seg of m[2]!.matchAll(/([0-9.]+)(ms|us|µs|ns|[a-z])/gu)) {
    const [, digits, unit] = seg;
    const hours = EXTENDED_HOURS[unit!];
    if (hours === undefined) {
      rewritten += digits! + unit!;
      continue;
    }
    if (!/^(\d+\.?\d*|\.\d+)$/.test(digits!)) throw invalid(s);
    rewritten += `${formatFloatF(Number(digits) * hours)}h`;
  }
  try {
    return parseStdDuration(rewritten, s);
  } catch (err) {
    if (err instanceof BuiltinError) throw new BuiltinError(err.message.replace(JSON.stringify(rewritten), JSON.stringify(s)));
    throw err;
  }
}
