import type { JsonObject } from '../engine/model/index.ts';

/**
 * An audit event line in the current envelope. Lines written since 0.2.0 come back unchanged
 * (byte for byte, so their hash chain still verifies). Older lines named the chain link
 * `prevHash`, which CloudEvents SDKs reject, and had no `recordedtime`: they are rewritten with
 * `prevhash` and `recordedtime` = `time`, in the envelope order. The rewrite changes the bytes, so
 * verify the chain of old events on the stored copy (`audit verify` reads both names).
 */
export function upgradeEventLine(line: string): { event: JsonObject; line: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`not JSON: ${line.slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`not a JSON object: ${line.slice(0, 80)}`);
  const event = parsed as JsonObject;
  if (event.specversion !== '1.0' || typeof event.id !== 'string' || typeof event.type !== 'string') {
    throw new Error(`not a Gatehouse audit event: ${line.slice(0, 80)}`);
  }
  if (!('prevHash' in event) && 'recordedtime' in event) return { event, line };
  const upgraded: JsonObject = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'data') continue;
    if (key === 'prevHash') upgraded.prevhash = value;
    else upgraded[key] = value;
  }
  upgraded.recordedtime ??= event.time ?? null;
  if (event.data !== undefined) upgraded.data = event.data;
  return { event: upgraded, line: JSON.stringify(upgraded) };
}
