import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

/** Cedar's Long is a signed 64-bit integer. */
export const CEDAR_LONG_MIN = -(2n ** 63n);
export const CEDAR_LONG_MAX = 2n ** 63n - 1n;

/**
 * cedar-wasm receives every call as `JSON.stringify` text, so a Long reaches Cedar exactly only
 * if its digits appear in that text. A JavaScript number does so up to 2^53−1; beyond, only
 * `JSON.rawJSON` can carry the digits (Node.js 22 and later; Node.js 20 has it only behind
 * `--harmony-json-parse-with-source`).
 */
type RawJson = (text: string) => object;
const rawJson: RawJson | undefined = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

export const LARGEST_EXACT_LONG = rawJson ? CEDAR_LONG_MAX : BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An integer as Cedar will receive it, or an error message (what is wrong and the limit)
 * when it cannot reach Cedar exactly. `where` names the value in the message.
 */
export type CedarLong = { ok: true; value: CedarValueJson } | { ok: false; error: string };

export function cedarLong(value: bigint | number, where: string): CedarLong {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return { ok: true, value };
    if (!Number.isInteger(value)) return { ok: false, error: `${where}: ${value} is not an integer (Cedar has no fractional numbers)` };
    // A double beyond 2^53 no longer says which integer was meant.
    return { ok: false, error: `${where}: ${value} is beyond ±${Number.MAX_SAFE_INTEGER}, beyond which a JSON number in a request is no longer exact` };
  }
  if (value < CEDAR_LONG_MIN || value > CEDAR_LONG_MAX) {
    return { ok: false, error: `${where}: ${value} is outside Cedar's Long range (${CEDAR_LONG_MIN} to ${CEDAR_LONG_MAX})` };
  }
  if (value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return { ok: true, value: Number(value) };
  if (!rawJson) {
    return {
      ok: false,
      error: `${where}: ${value} is beyond ±${Number.MAX_SAFE_INTEGER}, the largest Long this Node.js (${process.version}) can pass to Cedar exactly (Node.js 22 or later carries the full 64-bit range)`,
    };
  }
  // The raw JSON object is opaque to TypeScript's view of Cedar values but serialises as the digits.
  return { ok: true, value: rawJson(value.toString()) as unknown as CedarValueJson };
}
