import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_BUILTINS } from '../../../../engine/evaluation/rego/builtins/host-builtins.ts';
import type { RegoValue } from '../../../../engine/evaluation/rego/builtins/rego-value.ts';
import { compileRegoToWasm } from '../../../../engine/evaluation/rego/compile-rego.ts';
import { parseExactJson } from '../../../../engine/evaluation/rego/exact-json.ts';
import { WasmPolicyInstance } from '../../../../engine/evaluation/rego/wasm-policy-instance.ts';
import { RegoFixtureDir, opaEval } from './rego-fixtures.ts';

// Every host builtin is compared with the real opa for the same calls: each case becomes one key
// of a partial object rule, evaluated once by `opa eval` (Go) and once through opa-built WASM
// with Gatehouse's host builtins. Wrong-typed operands go through json.unmarshal so that the
// type checker lets them reach the builtin at run time. A builtin error makes the key undefined in both (OPA's
// non-strict mode), so "absent on both sides" is how errors are compared.

const NS_2023 = '1700000000000000000'; // 2023-11-14T22:13:20Z
const LEAP_DAY = '1709164800000000000'; // 2024-02-29T00:00:00Z
const JAN_31 = '1706659200000000000'; // 2024-01-31T00:00:00Z
const DST_EVE = '1711846800000000000'; // 2024-03-31T01:00:00Z (Berlin switches at 01:00Z)
const NANOS = '1795600800123456789'; // 2026-11-25T10:00:00.123456789Z

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
const JWT_HS = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"alice","exp":1795600800,"big":12345678901234567890,"groups":["dba"]}')}.${Buffer.from([1, 2, 250]).toString('base64url')}`;
const JWT_NESTED = `${b64url('{"alg":"HS256","cty":"JWT"}')}.${b64url(`"${JWT_HS}"`)}.c2ln`;
const JWT_JWE = `${b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.${b64url('{}')}.c2ln`;

const CASES: Record<string, string> = {
  // time.parse_rfc3339_ns
  rfc_utc: 'time.parse_rfc3339_ns("2026-11-25T10:00:00Z")',
  rfc_nanos_offset: 'time.parse_rfc3339_ns("2026-11-25T10:00:00.123456789+05:30")',
  rfc_leap_day: 'time.parse_rfc3339_ns("2024-02-29T23:59:59.999999999-08:00")',
  rfc_not_leap: 'time.parse_rfc3339_ns("2023-02-29T00:00:00Z")',
  rfc_space: 'time.parse_rfc3339_ns("2026-11-25 10:00:00Z")',
  rfc_hour_24: 'time.parse_rfc3339_ns("2026-11-25T24:00:00Z")',
  rfc_min: 'time.parse_rfc3339_ns("1677-09-21T00:12:43.145224192Z")',
  rfc_below_min: 'time.parse_rfc3339_ns("1677-09-21T00:12:43.145224191Z")',
  rfc_max: 'time.parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z")',
  rfc_comma_fraction: 'time.parse_rfc3339_ns("2026-11-25T10:00:00,5Z")',
  rfc_ten_digit_fraction: 'time.parse_rfc3339_ns("2026-11-25T10:00:00.1234567891Z")',
  rfc_lower_z: 'time.parse_rfc3339_ns("2026-11-25T10:00:00z")',
  rfc_offset_minute_60: 'time.parse_rfc3339_ns("2026-11-25T10:00:00+23:60")',
  rfc_offset_hour_24: 'time.parse_rfc3339_ns("2026-11-25T10:00:00-24:00")',
  rfc_offset_max: 'time.parse_rfc3339_ns("2026-11-25T10:00:00.5-23:59")',
  rfc_year_zero: 'time.parse_rfc3339_ns("0000-01-01T00:00:00Z")',
  rfc_second_60: 'time.parse_rfc3339_ns("2016-12-31T23:59:60Z")',
  rfc_short_month: 'time.parse_rfc3339_ns("2026-1-25T10:00:00Z")',
  rfc_no_zone: 'time.parse_rfc3339_ns("2026-11-25T10:00:00")',
  rfc_not_string: 'time.parse_rfc3339_ns(json.unmarshal("12"))',
  // time.parse_ns (Go layouts)
  parse_rfc1123: 'time.parse_ns("RFC1123", "Mon, 02 Jan 2006 15:04:05 MST")',
  parse_date_only: 'time.parse_ns("2006-01-02", "2024-02-29")',
  parse_bad_day: 'time.parse_ns("2006-01-02", "2023-02-29")',
  parse_kitchen: 'time.parse_ns("Jan _2 2006 3:04PM", "Mar  5 2025 11:07PM")',
  parse_rfc822z: 'time.parse_ns("02 Jan 06 15:04 -0700", "05 Mar 25 11:07 +0530")',
  parse_year_day: 'time.parse_ns("2006-002", "2024-060")',
  parse_rfc850_pst: 'time.parse_ns("Monday, 02-Jan-06 15:04:05 MST", "Wednesday, 25-Nov-26 10:00:00 PST")',
  parse_gmt_offset: 'time.parse_ns("UnixDate", "Wed Nov 25 10:00:00 GMT+3 2026")',
  parse_fraction: 'time.parse_ns("2006-01-02 15:04:05.000", "2026-11-25 10:00:00.123")',
  parse_fraction_short: 'time.parse_ns("2006-01-02 15:04:05.000", "2026-11-25 10:00:00.12")',
  parse_nano_layout: 'time.parse_ns("RFC3339Nano", "2026-11-25T10:00:00.5-01:00")',
  parse_extra_text: 'time.parse_ns("2006-01-02", "2024-02-29 and more")',
  parse_no_year: 'time.parse_ns("15:04", "10:30")',
  parse_case_month: 'time.parse_ns("02 Jan 2006", "05 MAR 2025")',
  // time.parse_duration_ns
  dur_h_m: 'time.parse_duration_ns("1h30m")',
  dur_fraction: 'time.parse_duration_ns("1.5h")',
  dur_negative: 'time.parse_duration_ns("-2m3.5s")',
  dur_day: 'time.parse_duration_ns("1d")',
  dur_week_day: 'time.parse_duration_ns("1w2d")',
  dur_year: 'time.parse_duration_ns("1y")',
  dur_day_fraction: 'time.parse_duration_ns("1.5d12h")',
  dur_micro: 'time.parse_duration_ns("1µs")',
  dur_ms: 'time.parse_duration_ns("300ms")',
  dur_bogus: 'time.parse_duration_ns("bogus")',
  dur_empty: 'time.parse_duration_ns("")',
  dur_zero: 'time.parse_duration_ns("0")',
  dur_no_unit: 'time.parse_duration_ns("1")',
  dur_max: 'time.parse_duration_ns("9223372036854775807ns")',
  dur_overflow: 'time.parse_duration_ns("9223372036854775808ns")',
  // time.date / clock / weekday
  date_utc: `time.date(${NS_2023})`,
  date_new_york: `time.date([${NS_2023}, "America/New_York"])`,
  date_kolkata: `time.date([${NS_2023}, "Asia/Kolkata"])`,
  date_bad_zone: `time.date([${NS_2023}, "Not/AZone"])`,
  date_lower_zone: `time.date([${NS_2023}, "america/new_york"])`,
  date_local: `time.date([${NS_2023}, "Local"])`,
  date_before_epoch: 'time.date(-1)',
  date_leap_day: `time.date(${LEAP_DAY})`,
  date_float: 'time.date(1.5)',
  date_empty_array: 'time.date(json.unmarshal("[]"))',
  date_string: 'time.date(json.unmarshal(`"2024"`))',
  clock_utc: `time.clock(${NANOS})`,
  clock_kathmandu: `time.clock([${NANOS}, "Asia/Kathmandu"])`,
  clock_before_epoch: 'time.clock(-1)',
  weekday_utc: `time.weekday(${LEAP_DAY})`,
  weekday_tokyo: `time.weekday([${NS_2023}, "Asia/Tokyo"])`,
  weekday_epoch: 'time.weekday(0)',
  // time.add_date
  add_month_overflow: `time.add_date(${JAN_31}, 0, 1, 0)`,
  add_year_from_leap: `time.add_date(${LEAP_DAY}, 1, 0, 0)`,
  add_negative: `time.add_date(${LEAP_DAY}, -1, -2, -30)`,
  add_dst_berlin: `time.add_date(json.unmarshal(\`[${DST_EVE}, "Europe/Berlin"]\`), 0, 0, 1)`,
  add_out_of_range: `time.add_date(${NS_2023}, 300, 0, 0)`,
  add_float_years: `time.add_date(${NS_2023}, 1.5, 0, 0)`,
  // time.diff
  diff_simple: `time.diff(${LEAP_DAY}, ${NS_2023})`,
  diff_reversed: `time.diff(${NS_2023}, ${LEAP_DAY})`,
  diff_zones: `time.diff([${NANOS}, "Asia/Tokyo"], [${NS_2023}, "America/Los_Angeles"])`,
  diff_month_end: `time.diff(${JAN_31}, ${LEAP_DAY})`,
  // time.format
  format_default: `time.format(${NANOS})`,
  format_new_york: `time.format([${NANOS}, "America/New_York"])`,
  format_custom_utc: `time.format([${NANOS}, "UTC", "2006-01-02 15:04:05.000 MST Mon January"])`,
  format_rfc822z_kolkata: `time.format([${NANOS}, "Asia/Kolkata", "RFC822Z"])`,
  format_zones: `time.format([${NANOS}, "America/New_York", "Z07:00 -07 3:04PM pm _2 __2 002 .999 ,000000"])`,
  format_named_nyc: `time.format([${NANOS}, "America/New_York", "RFC1123"])`,
  format_whole_second: 'time.format(1795600800000000000)',
  format_before_1970: 'time.format(-1)',
  // io.jwt.decode
  jwt_plain: `io.jwt.decode("${JWT_HS}")`,
  jwt_nested: `io.jwt.decode("${JWT_NESTED}")`,
  jwt_jwe: `io.jwt.decode("${JWT_JWE}")`,
  jwt_two_parts: 'io.jwt.decode("a.b")',
  jwt_no_dots: 'io.jwt.decode("abc")',
  jwt_bad_base64: 'io.jwt.decode("a*b.c.d")',
  jwt_payload_array: `io.jwt.decode("${b64url('{"alg":"none"}')}.${b64url('[1]')}.")`,
  // crypto
  sha256_empty: 'crypto.sha256("")',
  sha256_unicode: 'crypto.sha256("héllo ☃")',
  sha1: 'crypto.sha1("hello")',
  md5: 'crypto.md5("hello")',
  hmac_sha256: 'crypto.hmac.sha256("message", "key")',
  hmac_sha512: 'crypto.hmac.sha512("message", "")',
  hmac_sha1: 'crypto.hmac.sha1("message", "ké")',
  hmac_md5: 'crypto.hmac.md5("", "key")',
  sha256_number: 'crypto.sha256(json.unmarshal("1"))',
  // net.cidr_is_valid
  cidr_v4: 'net.cidr_is_valid("10.0.0.0/8")',
  cidr_v4_33: 'net.cidr_is_valid("10.0.0.0/33")',
  cidr_v6: 'net.cidr_is_valid("::1/128")',
  cidr_v6_129: 'net.cidr_is_valid("2001:db8::/129")',
  cidr_zone: 'net.cidr_is_valid("fe80::1%eth0/64")',
  cidr_leading_zero_ip: 'net.cidr_is_valid("010.0.0.0/8")',
  cidr_no_mask: 'net.cidr_is_valid("10.0.0.0")',
  cidr_leading_zero_mask: 'net.cidr_is_valid("10.0.0.0/08")',
  cidr_negative: 'net.cidr_is_valid("1.2.3.4/-1")',
  cidr_mapped: 'net.cidr_is_valid("::ffff:1.2.3.4/120")',
  cidr_garbage: 'net.cidr_is_valid("not a cidr")',
  // regex.replace / regex.split (RE2, Go semantics)
  replace_empty_matches: 'regex.replace("baaac", "a*", "-")',
  replace_swap: 'regex.replace("foo bar", `(\\w+) (\\w+)`, "$2 $1")',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: `${x}` is Go's regexp replacement syntax, for opa.
  replace_named: 'regex.replace("abc", "(?P<x>b)", "[${x}]")',
  replace_name_greedy: 'regex.replace("abc", "(b)", "$1x")',
  replace_dollar: 'regex.replace("abc", "b", "$$")',
  replace_bad_pattern: 'regex.replace("x", "(", "y")',
  replace_no_match: 'regex.replace("ab", `\\d`, "")',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: `${0}` is Go's regexp replacement syntax, for opa.
  replace_group_zero: 'regex.replace("aaa", "a", "${0}${0}")',
  replace_unicode: 'regex.replace("héllo wörld", `\\pL+`, "<$0>")',
  replace_anchor: 'regex.replace("foo", "^[a-z]", "F")',
  replace_re2_only: 'regex.replace("ab12", `\\PL`, "#")',
  replace_no_lookahead: 'regex.replace("ab", "a(?=b)", "x")',
  split_empty_matches: 'regex.split("a*", "baaac")',
  split_commas: 'regex.split(",", "a,b,,c")',
  split_empty_pattern: 'regex.split("", "abc")',
  split_empty_input: 'regex.split("x", "")',
  // strings
  prefix_single: 'strings.any_prefix_match("abc", "a")',
  prefix_arrays: 'strings.any_prefix_match(["abc", "xyz"], ["x"])',
  prefix_set: 'strings.any_prefix_match("abc", {"b", "ab"})',
  prefix_none: 'strings.any_prefix_match(["abc"], [])',
  prefix_bad_operand: 'strings.any_prefix_match(json.unmarshal("1"), "a")',
  suffix_single: 'strings.any_suffix_match("abc", "bc")',
  suffix_arrays: 'strings.any_suffix_match(["abc", "xyz"], ["y", "q"])',
  suffix_bad_member: 'strings.any_suffix_match(["abc"], json.unmarshal(`["c", 1]`))',
  count_simple: 'strings.count("cheese", "e")',
  count_empty: 'strings.count("five", "")',
  count_unicode: 'strings.count("héé☃", "é")',
  count_overlap: 'strings.count("aaaa", "aa")',
  // hex
  hex_encode: 'hex.encode("hello ☃")',
  hex_decode: 'hex.decode("68656c6c6f")',
  hex_decode_bad: 'hex.decode("zz")',
  hex_decode_odd: 'hex.decode("abc")',
  hex_decode_upper: 'hex.decode("4A4B")',
  // units.parse_bytes
  bytes_kb: 'units.parse_bytes("1KB")',
  bytes_kib: 'units.parse_bytes("1KiB")',
  bytes_fraction: 'units.parse_bytes("1.5Gi")',
  bytes_plain: 'units.parse_bytes("10")',
  bytes_exponent: 'units.parse_bytes("1e3")',
  bytes_space: 'units.parse_bytes("5 MB")',
  bytes_bad_unit: 'units.parse_bytes("1XB")',
  bytes_quoted: 'units.parse_bytes("\\"10M\\"")',
  bytes_no_amount: 'units.parse_bytes("MB")',
  bytes_exabyte: 'units.parse_bytes("8EiB")',
};

function policyText(): string {
  const lines = ['package cases', ''];
  for (const [name, expr] of Object.entries(CASES)) lines.push(`r[${JSON.stringify(name)}] := x if { x := ${expr} }`);
  return `${lines.join('\n')}\n`;
}

describe('host builtins match opa eval', () => {
  const dir = new RegoFixtureDir();
  let expected: Record<string, RegoValue>;
  let actual: Record<string, RegoValue>;

  beforeAll(async () => {
    const file = dir.write('cases.rego', policyText());
    expected = (opaEval([file], 'data.cases.r') ?? {}) as Record<string, RegoValue>;
    const { wasm, data } = await compileRegoToWasm({ files: [file], entrypoint: 'cases/r' });
    const module = await WebAssembly.compile(wasm.slice());
    const instance = new WasmPolicyInstance(module, HOST_BUILTINS);
    instance.setData(new TextEncoder().encode(JSON.stringify(data)));
    const resultSet = parseExactJson(instance.evaluate(instance.entrypoints.get('cases/r')!, '{}', { nowNs: 0n })) as Array<{ result: Record<string, RegoValue> }>;
    actual = resultSet[0]?.result ?? {};
  });

  afterAll(() => dir.remove());

  it('the fixture policy calls every host builtin Gatehouse supplies beyond the SDK', async () => {
    const text = await readFile(`${dir.path}/cases.rego`, 'utf8');
    const sdkOnly = new Set(['sprintf', 'json.is_valid', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal', 'regex.split', 'time.now_ns']);
    for (const name of HOST_BUILTINS.keys()) {
      if (sdkOnly.has(name)) continue;
      expect(text, `no case calls ${name}`).toContain(`${name}(`);
    }
  });

  it('opa defines most cases and the WASM run defines the same ones (the comparison is not vacuous)', () => {
    expect(Object.keys(expected).length).toBeGreaterThan(100);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    expect(expected.rfc_nanos_offset).toBe(1795581000123456789n); // 04:30:00.123456789Z
  });

  for (const [name, expr] of Object.entries(CASES)) {
    it(`${name}: ${expr.length > 70 ? `${expr.slice(0, 70)}…` : expr} gives what opa gives`, () => {
      expect(actual[name]).toEqual(expected[name]);
    });
  }
});
