import { BodyReader } from './body-reader.ts';
import { ProtocolViolation, printable, type TypedMessage } from './message-framer.ts';

/** Request codes carried in the startup packet's first Int32. */
export const PROTOCOL_V3 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export type StartupPacket =
  | { kind: 'startup'; parameters: Map<string, string> }
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number };

export function decodeStartup(body: Buffer): StartupPacket {
  const reader = new BodyReader(body, 'startup packet');
  const code = reader.int32();
  if (code === SSL_REQUEST_CODE) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST_CODE) return { kind: 'cancel', processId: reader.int32(), secretKey: reader.int32() };
  if (code !== PROTOCOL_V3) {
    throw new ProtocolViolation(`unsupported frontend protocol ${code >> 16}.${code & 0xffff}: Gatehouse speaks 3.0`, '0A000');
  }
  const parameters = new Map<string, string>();
  for (;;) {
    const name = reader.cstring();
    if (name === '') break;
    parameters.set(name, reader.cstring());
  }
  return { kind: 'startup', parameters };
}

export interface BindMessage {
  portal: string;
  statement: string;
  parameterFormats: number[];
  /** Raw parameter values; null is SQL NULL. */
  parameters: (Buffer | null)[];
  resultFormats: number[];
}

export type FrontendMessage =
  | { type: 'Query'; sql: string }
  | { type: 'Parse'; name: string; sql: string; parameterTypes: number[] }
  | ({ type: 'Bind' } & BindMessage)
  | { type: 'Describe'; target: 'S' | 'P'; name: string }
  | { type: 'Execute'; portal: string; maxRows: number }
  | { type: 'Close'; target: 'S' | 'P'; name: string }
  | { type: 'Sync' }
  | { type: 'Flush' }
  | { type: 'Terminate' }
  | { type: 'PasswordMessage'; data: Buffer }
  | { type: 'CopyData'; data: Buffer }
  | { type: 'CopyDone' }
  | { type: 'CopyFail'; message: string }
  | { type: 'FunctionCall' };

export function decodeFrontend(message: TypedMessage): FrontendMessage {
  const type = String.fromCharCode(message.type);
  const reader = new BodyReader(message.body, `message ${printable(message.type)}`);
  switch (type) {
    case 'Q':
      return { type: 'Query', sql: reader.cstring() };
    case 'P': {
      const name = reader.cstring();
      const sql = reader.cstring();
      const count = reader.int16();
      const parameterTypes: number[] = [];
      for (let i = 0; i < count; i++) parameterTypes.push(reader.int32());
      return { type: 'Parse', name, sql, parameterTypes };
    }
    case 'B': {
      const portal = reader.cstring();
      const statement = reader.cstring();
      const formatCount = reader.int16();
      const parameterFormats: number[] = [];
      for (let i = 0; i < formatCount; i++) parameterFormats.push(reader.int16());
      const parameterCount = reader.int16();
      const parameters: (Buffer | null)[] = [];
      for (let i = 0; i < parameterCount; i++) {
        const length = reader.int32();
        parameters.push(length === -1 ? null : reader.bytes(length));
      }
      const resultCount = reader.int16();
      const resultFormats: number[] = [];
      for (let i = 0; i < resultCount; i++) resultFormats.push(reader.int16());
      return { type: 'Bind', portal, statement, parameterFormats, parameters, resultFormats };
    }
    case 'D':
      return { type: 'Describe', target: describeTarget(reader.byte()), name: reader.cstring() };
    case 'E':
      return { type: 'Execute', portal: reader.cstring(), maxRows: reader.int32() };
    case 'C':
      return { type: 'Close', target: describeTarget(reader.byte()), name: reader.cstring() };
    case 'S':
      return { type: 'Sync' };
    case 'H':
      return { type: 'Flush' };
    case 'X':
      return { type: 'Terminate' };
    case 'p':
      return { type: 'PasswordMessage', data: reader.rest() };
    case 'd':
      return { type: 'CopyData', data: reader.rest() };
    case 'c':
      return { type: 'CopyDone' };
    case 'f':
      return { type: 'CopyFail', message: reader.cstring() };
    case 'F':
      return { type: 'FunctionCall' };
    default:
      throw new ProtocolViolation(`unknown frontend message type ${printable(message.type)}`);
  }
}

function describeTarget(byte: number): 'S' | 'P' {
  if (byte === 0x53) return 'S';
  if (byte === 0x50) return 'P';
  throw new ProtocolViolation(`invalid Describe/Close target ${printable(byte)}`);
}
