import { isJsonObject, type JsonObject, type JsonValue } from '../engine/model/index.ts';
import type { AuditEvent } from './audit-event.ts';
import type { StoredRecord } from './audit-source-reader.ts';

/**
 * The events of one session, de-duplicated by id and ordered by time, then by source and
 * sequence (one instance's events keep their chain order). An event belongs to a session when
 * its subject (the Kafka key) or `data.sessionId` is the session id.
 */
export async function sessionEvents(records: AsyncIterable<StoredRecord>, sessionId: string): Promise<AuditEvent[]> {
  const byId = new Map<string, AuditEvent>();
  for await (const record of records) {
    let value: unknown;
    try {
      value = JSON.parse(record.line);
    } catch {
      continue;
    }
    if (!isJsonObject(value) || typeof value.id !== 'string' || !isJsonObject(value.data)) continue;
    if (value.subject !== sessionId && value.data.sessionId !== sessionId) continue;
    byId.set(value.id, value as unknown as AuditEvent);
  }
  return [...byId.values()].sort(
    (a, b) => a.time.localeCompare(b.time) || a.source.localeCompare(b.source) || Number(a.sequence ?? 0) - Number(b.sequence ?? 0),
  );
}

/** One line per event: time, kind and the essentials. */
export function describeEvent(event: AuditEvent): string {
  const data = event.data;
  const kind = event.type.replace(/^gatehouse\./, '').replace(/\.v\d+$/, '');
  const parts: string[] = [event.time, kind.padEnd(8)];
  if (event.type === 'gatehouse.decision.v1') {
    const input = isJsonObject(data.input) ? data.input : {};
    const resource = isJsonObject(input.resource) ? `${text(input.resource.type)}:${text(input.resource.id)}` : '';
    parts.push(`${text(data.effect).padEnd(16)} ${text(input.action)} ${resource}`);
    const command = commandText(input);
    if (command) parts.push(`  ${command}`);
    const reasons = Array.isArray(data.reasons) ? data.reasons.filter((r) => typeof r === 'string') : [];
    if (reasons.length > 0) parts.push(`  (${reasons.join('; ')})`);
  } else {
    // `kind` is the SSH recorder's name for the event, `event` the PostgreSQL recorder's.
    const summary = ['kind', 'event', 'action', 'status', 'effect', 'outcome', 'rows', 'reason', 'reasons', 'command', 'text']
      .filter((key) => data[key] !== undefined && !(Array.isArray(data[key]) && data[key].length === 0))
      .map((key) => `${key}=${typeof data[key] === 'string' ? data[key] : JSON.stringify(data[key])}`);
    parts.push(summary.length > 0 ? summary.join(' ') : JSON.stringify(data));
  }
  return parts.join(' ');
}

function commandText(input: JsonObject): string | undefined {
  const context = isJsonObject(input.context) ? input.context : {};
  for (const key of ['sql', 'command']) {
    const part = context[key];
    if (isJsonObject(part) && typeof part.text === 'string') return part.text;
  }
  return undefined;
}

function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

