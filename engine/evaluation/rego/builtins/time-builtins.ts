import { GoTime, UTC, daysIn, loadLocation, safeUnixNano, type GoLocation } from './go-time.ts';
import { formatGoTime, parseGoTime, parseRfc3339, weekdayName } from './go-time-layout.ts';
import { parseGoDuration } from './go-duration.ts';
import {
  BuiltinError,
  intOperand,
  integerValue,
  stringOperand,
  type HostBuiltin,
  type RegoValue,
} from './rego-value.ts';

/** OPA's time.* family (v1/topdown/time.go). The clock is the decision's `input.time`. */

const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function nsOperand(value: RegoValue | undefined): bigint {
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw new BuiltinError('timestamp too big');
    return value;
  }
  if (typeof value !== 'number') {
    throw new BuiltinError(`operand 1 must be number but got ${value === null ? 'null' : typeof value}`);
  }
  // OPA converts through big.Float and requires an exact int64.
  if (!Number.isInteger(value)) throw new BuiltinError('timestamp too big');
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX) throw new BuiltinError('timestamp too big');
  return n;
}

const TZ_OPERAND = 'operand 1 must be either number (ns) or [number (ns), string (tz)]';

/** OPA's tzTime: a number (ns) or [ns, tz] or [ns, tz, layout]. */
function tzTime(value: RegoValue | undefined): { time: GoTime; layout: string } {
  let ns: RegoValue | undefined;
  let loc: GoLocation = UTC;
  let layout = '';
  if (Array.isArray(value)) {
    if (value.length === 0) throw new BuiltinError(TZ_OPERAND);
    ns = value[0];
    nsOperand(ns);
    if (value.length > 1) {
      const tz = value[1];
      if (typeof tz !== 'string') throw new BuiltinError('operand 1 must be string');
      loc = loadLocation(tz);
    }
    if (value.length > 2) {
      const l = value[2];
      if (typeof l !== 'string') throw new BuiltinError('operand 1 must be string');
      layout = l;
    }
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    ns = value;
  } else {
    throw new BuiltinError(TZ_OPERAND);
  }
  return { time: GoTime.fromUnixNano(nsOperand(ns), loc), layout };
}

function nsResult(t: GoTime): RegoValue {
  return integerValue(safeUnixNano(t));
}

function int32Operand(args: RegoValue[], position: number): number {
  const n = intOperand(args, position);
  // Go's IntOperand converts to int; values beyond it are an error there too.
  if (n < INT64_MIN || n > INT64_MAX) throw new BuiltinError(`operand ${position} must be integer number`);
  return Number(n);
}

function diff(a: GoTime, b: GoTime): number[] {
  let t1 = a;
  let t2 = b.in(a.loc);
  if (t1.unixNano() > t2.unixNano()) [t1, t2] = [t2, t1];
  const [y1, m1, d1] = t1.date();
  const [y2, m2, d2] = t2.date();
  const [h1, mi1, s1] = t1.clock();
  const [h2, mi2, s2] = t2.clock();
  let year = y2 - y1;
  let month = m2 - m1;
  let day = d2 - d1;
  let hour = h2 - h1;
  let min = mi2 - mi1;
  let sec = s2 - s1;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Go: 32 - time.Date(y1, M1, 32, ...).Day() is the number of days in month M1.
    day += daysIn(m1, y1);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const timeBuiltins: Record<string, HostBuiltin> = {
  'time.now_ns': (_args, context) => integerValue(context.nowNs),

  'time.parse_rfc3339_ns': (args) => nsResult(parseRfc3339(stringOperand(args, 1))),

  'time.parse_ns': (args) => {
    const layout = stringOperand(args, 1);
    const value = stringOperand(args, 2);
    return nsResult(parseGoTime(NAMED_LAYOUTS[layout] ?? layout, value));
  },

  'time.parse_duration_ns': (args) => integerValue(parseGoDuration(stringOperand(args, 1))),

  'time.format': (args) => {
    const { time, layout } = tzTime(args[0]);
    return formatGoTime(time, layout === '' ? NAMED_LAYOUTS.RFC3339Nano! : (NAMED_LAYOUTS[layout] ?? layout));
  },

  'time.date': (args) => tzTime(args[0]).time.date(),

  'time.clock': (args) => tzTime(args[0]).time.clock(),

  'time.weekday': (args) => weekdayName(tzTime(args[0]).time.weekday()),

  'time.add_date': (args) => {
    const { time } = tzTime(args[0]);
    return nsResult(time.addDate(int32Operand(args, 2), int32Operand(args, 3), int32Operand(args, 4)));
  },

  'time.diff': (args) => diff(tzTime(args[0]).time, tzTime(args[1]).time),
};

/** The decision clock: input.time (RFC 3339) as nanoseconds, exactly as time.parse_rfc3339_ns reads it. */
export function clockFromInputTime(time: string): bigint {
  if (typeof time !== 'string') throw new BuiltinError('input.time must be a string');
  return safeUnixNano(parseRfc3339(time));
}
