/**
 * The CloudEvents Kafka protocol binding, binary content mode: the record value is the event's
 * `data` and every other attribute travels as a `ce_<name>` header (`datacontenttype` as
 * `content-type`). Structured mode (the default) sends the whole event line as the value.
 *
 * The value is the exact bytes of `data` as they appear in the journal line, and the headers
 * are the line's attribute strings, so `lineFromBinaryRecord` rebuilds the line byte for byte and
 * the prevhash chain still verifies from Kafka (`gatehouse audit verify`).
 */
export type CloudEventsContentMode = 'structured' | 'binary';

/** The envelope attributes in the order ChainedAppender writes them (audit/hash-chain.ts). */
const ENVELOPE_ORDER = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'sequence', 'prevhash', 'recordedtime'] as const;

export interface BinaryRecord {
  headers: Record<string, string>;
  value: string;
}

/**
 * The binary-mode record of one event line, or undefined when the line is not an event of the
 * current envelope (the shipper then sends it as it is, structured).
 */
export function binaryRecord(line: string): BinaryRecord | undefined {
  // In JSON text, `,"data":` cannot occur inside a string (its quotes would be escaped), so the
  // first occurrence is the top-level key; `data` is the last attribute, so its value runs to
  // the closing brace.
  const at = line.indexOf(',"data":');
  if (at < 0 || !line.endsWith('}')) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${line.slice(0, at)}}`);
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const attributes = envelope as Record<string, unknown>;
  const names = Object.keys(attributes);
  // Only a line that lineFromBinaryRecord can rebuild exactly goes binary.
  if (names.length !== ENVELOPE_ORDER.length || names.some((name, i) => name !== ENVELOPE_ORDER[i] || typeof attributes[name] !== 'string')) return undefined;
  const headers: Record<string, string> = {};
  for (const name of ENVELOPE_ORDER) {
    headers[name === 'datacontenttype' ? 'content-type' : `ce_${name}`] = attributes[name] as string;
  }
  return { headers, value: line.slice(at + ',"data":'.length, -1) };
}

/** The event line a binary-mode record was made from, or undefined when it is not one. */
export function lineFromBinaryRecord(headers: Record<string, string | undefined>, value: string): string | undefined {
  if (headers.ce_specversion === undefined) return undefined;
  const parts: string[] = [];
  for (const name of ENVELOPE_ORDER) {
    const header = headers[name === 'datacontenttype' ? 'content-type' : `ce_${name}`];
    if (header === undefined) return undefined;
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(header)}`);
  }
  return `{${parts.join(',')},"data":${value}}`;
}
