import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BuiltinError } from './rego-value.ts';

/**
 * The parts of Go's `time` package OPA's time builtins rely on: civil calendar arithmetic
 * (proleptic Gregorian, like Go), `time.Date` normalisation and zone lookup. Zone offsets come
 * from ICU (Intl), which is built from the same IANA database Go reads.
 */

export interface ZoneInfo {
  offset: number;
  abbrev: string;
}

export interface GoLocation {
  readonly name: string;
  lookup(unixSec: number): ZoneInfo;
}

export const UTC: GoLocation = { name: 'UTC', lookup: () => ({ offset: 0, abbrev: 'UTC' }) };

export function fixedZone(name: string, offset: number): GoLocation {
  return { name, lookup: () => ({ offset, abbrev: name }) };
}

const zoneCache = new Map<string, GoLocation>();

/** Go's time.LoadLocation ("" and "UTC" are UTC, "Local" is the process zone). */
export function loadLocation(name: string): GoLocation {
  if (name === '' || name === 'UTC') return UTC;
  const cached = zoneCache.get(name);
  if (cached) return cached;
  let location: GoLocation;
  if (name === 'Local') {
    const local = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    location = local === 'UTC' || local === 'Etc/UTC' ? { name: 'Local', lookup: UTC.lookup } : intlLocation(local, 'Local');
  } else {
    if (!isKnownZoneName(name)) throw new BuiltinError(`unknown time zone ${name}`);
    location = intlLocation(name, name);
  }
  zoneCache.set(name, location);
  return location;
}

function isKnownZoneName(name: string): boolean {
  // Go resolves names case-sensitively against the zoneinfo files; ICU is case-insensitive.
  if (name.includes('..') || name.startsWith('/') || name.includes('\\')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return false;
  }
  if (existsSync(join('/usr/share/zoneinfo', name))) return true;
  return Intl.supportedValuesOf('timeZone').includes(name);
}

function intlLocation(zone: string, name: string): GoLocation {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    timeZoneName: 'short',
  });
  return {
    name,
    lookup(unixSec: number): ZoneInfo {
      const parts = format.formatToParts(new Date(unixSec * 1000));
      const field = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      let year = Number(field('year'));
      if (field('era') === 'BC' || field('era') === 'B') year = 1 - year;
      const localDays = daysFromCivil(year, Number(field('month')), Number(field('day')));
      const localSec = localDays * 86400 + Number(field('hour')) * 3600 + Number(field('minute')) * 60 + Number(field('second'));
      return { offset: localSec - unixSec, abbrev: goAbbrev(field('timeZoneName')) };
    },
  };
}

/** ICU says "GMT+5:30" where the zone has no letters; tzdata (and so Go) says "+0530". */
function goAbbrev(icu: string): string {
  const m = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/.exec(icu);
  if (!m) return icu;
  const hours = m[2]!.padStart(2, '0');
  return `${m[1]}${hours}${m[3] && m[3] !== '00' ? m[3] : ''}`;
}

// Howard Hinnant's algorithms (public domain), valid over the whole int64-nanosecond range.
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

const NS_PER_SEC = 1_000_000_000n;

/** A Go time.Time: an instant (unix seconds + nanoseconds) seen in a location. */
export class GoTime {
  readonly zone: ZoneInfo;
  private readonly localSec: number;
  constructor(
    readonly unixSec: number,
    readonly nsec: number,
    readonly loc: GoLocation,
  ) {
    this.zone = loc.lookup(unixSec);
    this.localSec = unixSec + this.zone.offset;
  }

  static fromUnixNano(ns: bigint, loc: GoLocation): GoTime {
    let sec = ns / NS_PER_SEC;
    let nsec = ns % NS_PER_SEC;
    if (nsec < 0n) {
      nsec += NS_PER_SEC;
      sec -= 1n;
    }
    return new GoTime(Number(sec), Number(nsec), loc);
  }

  unixNano(): bigint {
    return BigInt(this.unixSec) * NS_PER_SEC + BigInt(this.nsec);
  }

  in(loc: GoLocation): GoTime {
    return new GoTime(this.unixSec, this.nsec, loc);
  }

  private days(): number {
    return Math.floor(this.localSec / 86400);
  }

  date(): [number, number, number] {
    return civilFromDays(this.days());
  }

  clock(): [number, number, number] {
    const s = this.localSec - this.days() * 86400;
    return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  }

  /** 0 = Sunday, as Go's time.Weekday. */
  weekday(): number {
    return (((this.days() + 4) % 7) + 7) % 7;
  }

  yearDay(): number {
    const [y] = this.date();
    return this.days() - daysFromCivil(y, 1, 1) + 1;
  }

  addDate(years: number, months: number, days: number): GoTime {
    const [y, m, d] = this.date();
    const [h, mi, s] = this.clock();
    return goDate(y + years, m + months, d + days, h, mi, s, this.nsec, this.loc);
  }
}

function norm(hi: number, lo: number, base: number): [number, number] {
  if (lo < 0) {
    const n = Math.floor((-lo - 1) / base) + 1;
    hi -= n;
    lo += n * base;
  }
  if (lo >= base) {
    const n = Math.floor(lo / base);
    hi += n;
    lo -= n * base;
  }
  return [hi, lo];
}

/** Go's time.Date, including its normalisation of out-of-range fields and its zone resolution. */
export function goDate(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, loc: GoLocation): GoTime {
  let m = month - 1;
  [year, m] = norm(year, m, 12);
  [sec, nsec] = norm(sec, nsec, 1e9);
  [min, sec] = norm(min, sec, 60);
  [hour, min] = norm(hour, min, 60);
  [day, hour] = norm(day, hour, 24);
  const days = daysFromCivil(year, m + 1, 1) + day - 1;
  let unix = days * 86400 + hour * 3600 + min * 60 + sec;
  // Like Go: guess the offset at the wall time read as UTC, then correct it once.
  let offset = loc.lookup(unix).offset;
  if (offset !== 0) {
    const corrected = loc.lookup(unix - offset).offset;
    if (corrected !== offset) offset = corrected;
    unix -= offset;
  }
  return new GoTime(unix, nsec, loc);
}

// 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;

/** OPA's toSafeUnixNano: instants outside int64 nanoseconds are an error. */
export function safeUnixNano(t: GoTime): bigint {
  const ns = t.unixNano();
  if (ns < MIN_NS || ns > MAX_NS) throw new BuiltinError('time outside of valid range');
  return ns;
}
