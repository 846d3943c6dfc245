import type { AuditEvent } from '../../audit/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../engine/model/index.ts';

const FRAME_CODES: Record<string, string> = { output: 'o', input: 'i', resize: 'r' };

export interface RenderAsciicastOptions {
  /** Only this SSH channel's frames (default: all channels of the session, interleaved in order). */
  channel?: number;
  /** Add an asciicast marker ("m") per decided command (default true). */
  markers?: boolean;
}

/**
 * Renders the `gatehouse.session.v1` events the SSH proxy recorded (session-recorder.ts) as an
 * asciicast v2 file: a header line, then `[seconds, "o"|"i"|"r"|"m", data]` lines. Events of
 * other types or protocols are ignored, so the whole output of `replay session` can be passed
 * in. Frames are ordered by the recorder's `sequence`, and times come from the recorder's own
 * monotonic clock (`t`), not from the event timestamps.
 */
export function renderAsciicast(events: readonly AuditEvent[], options: RenderAsciicastOptions = {}): string {
  const ssh = events
    .filter((event) => event.type === 'gatehouse.session.v1' && event.data.protocol === 'ssh')
    .sort((a, b) => num(a.data.sequence, 0) - num(b.data.sequence, 0));
  const start = ssh.find((event) => event.data.kind === 'start');
  const pty = ssh.find((event) => event.data.kind === 'pty' && (options.channel === undefined || event.data.channel === options.channel));
  const header: JsonObject = {
    version: 2,
    width: num(pty?.data.width ?? start?.data.width, 80),
    height: num(pty?.data.height ?? start?.data.height, 24),
  };
  const startedAt = Date.parse((start ?? ssh[0])?.time ?? '');
  if (Number.isFinite(startedAt)) header.timestamp = Math.floor(startedAt / 1000);
  const lines: string[] = [];
  let last = 0;
  for (const event of ssh) {
    const data = event.data;
    if (options.channel !== undefined && data.channel !== undefined && data.channel !== options.channel) continue;
    const t = Math.max(last, num(data.t, last));
    const code = typeof data.kind === 'string' ? FRAME_CODES[data.kind] : undefined;
    if (code && typeof data.text === 'string') {
      lines.push(JSON.stringify([t, code, data.text]));
      last = t;
    } else if (data.kind === 'command' && options.markers !== false) {
      lines.push(JSON.stringify([t, 'm', `${text(data.effect)}${data.outcome === 'run' ? '' : ` (${text(data.outcome)})`}: ${text(data.text)}`]));
      last = t;
    }
  }
  header.duration = last;
  const term = typeof pty?.data.term === 'string' ? pty.data.term : undefined;
  if (term) header.env = { TERM: term };
  if (start) header.title = `gatehouse ssh ${text(start.data.user)}@${text(isJsonObject(start.data.resource) ? start.data.resource.id : '')} (session ${text(start.data.sessionId)})`;
  return [JSON.stringify(header), ...lines].join('\n') + '\n';
}

function num(value: JsonValue | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}
