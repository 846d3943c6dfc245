import { BodyReader } from './body-reader.ts';

/** Encoders for the backend messages the proxy writes itself, and decoders for those it inspects. */

export function typed(type: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(body.length + 4, 1);
  body.copy(out, 5);
  return out;
}

function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function int32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(value, 0);
  return b;
}

export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING' | 'INFO';
  /** SQLSTATE, e.g. 42501 insufficient_privilege. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

function fieldsBody(fields: ErrorFields): Buffer {
  const parts: Buffer[] = [];
  const add = (tag: string, value: string | undefined): void => {
    if (value === undefined) return;
    parts.push(Buffer.from(tag), cstring(value));
  };
  add('S', fields.severity);
  add('V', fields.severity);
  add('C', fields.code);
  // One line per message: reasons are joined so a client that prints only M still sees why.
  add('M', fields.message.replace(/[\r\n]+/g, ' '));
  add('D', fields.detail);
  add('H', fields.hint);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export const errorResponse = (fields: ErrorFields): Buffer => typed('E', fieldsBody(fields));
export const noticeResponse = (fields: ErrorFields): Buffer => typed('N', fieldsBody(fields));
export const readyForQuery = (status: 'I' | 'T' | 'E'): Buffer => typed('Z', Buffer.from(status));
export const authenticationOk = (): Buffer => typed('R', int32(0));
export const authenticationCleartextPassword = (): Buffer => typed('R', int32(3));
export const emptyQueryResponse = (): Buffer => typed('I', Buffer.alloc(0));
export const sslRefused = (): Buffer => Buffer.from('N');
export const sslAccepted = (): Buffer => Buffer.from('S');

export function dataRow(values: (Buffer | null)[]): Buffer {
  let size = 2;
  for (const v of values) size += 4 + (v ? v.length : 0);
  const body = Buffer.allocUnsafe(size);
  body.writeInt16BE(values.length, 0);
  let offset = 2;
  for (const v of values) {
    if (v === null) {
      body.writeInt32BE(-1, offset);
      offset += 4;
    } else {
      body.writeInt32BE(v.length, offset);
      offset += 4;
      v.copy(body, offset);
      offset += v.length;
    }
  }
  return typed('D', body);
}

export interface FieldDescription {
  name: string;
  tableOid: number;
  columnNumber: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

export function decodeRowDescription(body: Buffer): FieldDescription[] {
  const reader = new BodyReader(body, 'RowDescription');
  const count = reader.int16();
  const fields: FieldDescription[] = [];
  for (let i = 0; i < count; i++) {
    fields.push({
      name: reader.cstring(),
      tableOid: reader.int32() >>> 0,
      columnNumber: reader.int16(),
      typeOid: reader.int32() >>> 0,
      typeSize: reader.int16(),
      typeModifier: reader.int32(),
      format: reader.int16(),
    });
  }
  return fields;
}

export function decodeDataRow(body: Buffer): (Buffer | null)[] {
  const reader = new BodyReader(body, 'DataRow');
  const count = reader.int16();
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = reader.int32();
    values.push(length === -1 ? null : reader.bytes(length));
  }
  return values;
}

/** ErrorResponse / NoticeResponse fields keyed by their one-letter tag. */
export function decodeFields(body: Buffer): Map<string, string> {
  const reader = new BodyReader(body, 'ErrorResponse');
  const fields = new Map<string, string>();
  for (;;) {
    const tag = reader.byte();
    if (tag === 0) break;
    fields.set(String.fromCharCode(tag), reader.cstring());
  }
  return fields;
}

/** ParameterStatus: the name and value of a run-time parameter the server reports. */
export function decodeParameterStatus(body: Buffer): { name: string; value: string } {
  const reader = new BodyReader(body, 'ParameterStatus');
  return { name: reader.cstring(), value: reader.cstring() };
}

export function decodeCommandTag(body: Buffer): string {
  return new BodyReader(body, 'CommandComplete').cstring();
}

/** Rows returned or affected, from a CommandComplete tag such as "SELECT 3" or "INSERT 0 2". */
export function rowsFromCommandTag(tag: string): number | undefined {
  const last = tag.split(' ').pop();
  const n = last === undefined ? NaN : Number(last);
  return Number.isInteger(n) ? n : undefined;
}
