import { describe, expect, it } from 'vitest';
import {
  authenticationCleartextPassword,
  authenticationOk,
  dataRow,
  decodeCommandTag,
  decodeDataRow,
  decodeFields,
  decodeParameterStatus,
  decodeRowDescription,
  emptyQueryResponse,
  errorResponse,
  noticeResponse,
  readyForQuery,
  rowsFromCommandTag,
  sslAccepted,
  sslRefused,
} from '../../../dataplane/postgres/wire/backend-messages.ts';
import {
  encodeBind,
  encodeClose,
  encodeDescribe,
  encodeExecute,
  encodeFlush,
  encodeParse,
  encodeQuery,
  encodeSync,
  encodeTerminate,
} from '../../../dataplane/postgres/wire/frontend-encoders.ts';
import { decodeFrontend, decodeStartup } from '../../../dataplane/postgres/wire/frontend-messages.ts';
import { MessageFramer, ProtocolViolation, type TypedMessage } from '../../../dataplane/postgres/wire/message-framer.ts';

// Golden frames of the PostgreSQL v3 protocol ("Message Formats" in the PostgreSQL manual),
// written out by hand: Byte1 type, Int32 length counting itself and the body, then the body.
// Strings are C strings (UTF-8, one 00 byte), Int16/Int32 are big-endian.
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Splits a golden frame with the framer, byte by byte, as a slow socket would deliver it. */
function frame(bytes: Buffer): TypedMessage {
  const framer = new MessageFramer(1 << 20);
  let message: TypedMessage | undefined;
  for (const byte of bytes) {
    expect(message).toBeUndefined();
    framer.push(Buffer.from([byte]));
    message = framer.next();
  }
  if (!message) throw new Error('the framer did not complete the frame');
  expect(message.raw).toEqual(bytes);
  expect(framer.bufferedBytes).toBe(0);
  return message;
}

function startupBody(bytes: Buffer): Buffer {
  const framer = new MessageFramer(1 << 20);
  framer.push(bytes);
  const body = framer.nextStartup();
  if (!body) throw new Error('the framer did not complete the startup packet');
  return body;
}

describe('frontend messages the proxy encodes, byte for byte', () => {
  it('Query "SELECT 1"', () => {
    expect(encodeQuery('SELECT 1')).toEqual(hex('51 0000000d 53454c4543542031 00'));
  });

  it('Parse "s1" "SELECT $1" with one parameter type int4 (OID 23)', () => {
    expect(encodeParse('s1', 'SELECT $1', [23])).toEqual(hex('50 00000017 733100 53454c454354202431 00 0001 00000017'));
  });

  it('Bind of portal "" to "s1": text format, parameters "42" and NULL, binary result', () => {
    const golden = hex('42 0000001c 00 733100 0001 0000 0002 00000002 3432 ffffffff 0001 0001');
    const bind = { portal: 'ignored', statement: 'ignored', parameterFormats: [0], parameters: [Buffer.from('42'), null], resultFormats: [1] };
    expect(encodeBind(bind, '', 's1')).toEqual(golden);
  });

  it('Describe statement "s1", Close portal ""', () => {
    expect(encodeDescribe('S', 's1')).toEqual(hex('44 00000008 53 733100'));
    expect(encodeClose('P', '')).toEqual(hex('43 00000006 50 00'));
  });

  it('Execute portal "" with no row limit', () => {
    expect(encodeExecute('', 0)).toEqual(hex('45 00000009 00 00000000'));
  });

  it('Sync, Flush, Terminate carry no body', () => {
    expect(encodeSync()).toEqual(hex('53 00000004'));
    expect(encodeFlush()).toEqual(hex('48 00000004'));
    expect(encodeTerminate()).toEqual(hex('58 00000004'));
  });
});

describe('frontend messages the proxy decodes from a client', () => {
  it('Query', () => {
    expect(decodeFrontend(frame(hex('51 0000000d 53454c4543542031 00')))).toEqual({ type: 'Query', sql: 'SELECT 1' });
  });

  it('Parse', () => {
    expect(decodeFrontend(frame(hex('50 00000017 733100 53454c454354202431 00 0001 00000017')))).toEqual({
      type: 'Parse',
      name: 's1',
      sql: 'SELECT $1',
      parameterTypes: [23],
    });
  });

  it('Bind, and encoding the decoded Bind gives the same frame back', () => {
    const golden = hex('42 0000001c 00 733100 0001 0000 0002 00000002 3432 ffffffff 0001 0001');
    const decoded = decodeFrontend(frame(golden));
    expect(decoded).toEqual({ type: 'Bind', portal: '', statement: 's1', parameterFormats: [0], parameters: [Buffer.from('42'), null], resultFormats: [1] });
    if (decoded.type !== 'Bind') throw new Error('not a Bind');
    expect(encodeBind(decoded, decoded.portal, decoded.statement)).toEqual(golden);
  });

  it('Describe, Close and Execute', () => {
    expect(decodeFrontend(frame(hex('44 00000008 53 733100')))).toEqual({ type: 'Describe', target: 'S', name: 's1' });
    expect(decodeFrontend(frame(hex('43 00000006 50 00')))).toEqual({ type: 'Close', target: 'P', name: '' });
    expect(decodeFrontend(frame(hex('45 00000009 00 000000c8')))).toEqual({ type: 'Execute', portal: '', maxRows: 200 });
  });

  it('Sync, Flush, Terminate, CopyDone and FunctionCall', () => {
    expect(decodeFrontend(frame(hex('53 00000004')))).toEqual({ type: 'Sync' });
    expect(decodeFrontend(frame(hex('48 00000004')))).toEqual({ type: 'Flush' });
    expect(decodeFrontend(frame(hex('58 00000004')))).toEqual({ type: 'Terminate' });
    expect(decodeFrontend(frame(hex('63 00000004')))).toEqual({ type: 'CopyDone' });
    expect(decodeFrontend(frame(hex('46 0000000e 00000000 0000 0000 0000')))).toEqual({ type: 'FunctionCall' });
  });

  it('PasswordMessage, CopyData and CopyFail', () => {
    expect(decodeFrontend(frame(hex('70 0000000b 73656372657400')))).toEqual({ type: 'PasswordMessage', data: Buffer.from('secret\0') });
    expect(decodeFrontend(frame(hex('64 00000007 616263')))).toEqual({ type: 'CopyData', data: Buffer.from('abc') });
    expect(decodeFrontend(frame(hex('66 00000009 6f6f707300')))).toEqual({ type: 'CopyFail', message: 'oops' });
  });

  it('refuses an unknown type, a bad Describe target, a truncated body and invalid UTF-8 as protocol violations', () => {
    expect(() => decodeFrontend(frame(hex('7a 00000004')))).toThrow(/unknown frontend message type 'z'/);
    expect(() => decodeFrontend(frame(hex('44 00000008 58 733100')))).toThrow(/invalid Describe\/Close target 'X'/);
    expect(() => decodeFrontend(frame(hex('45 00000007 00 0000')))).toThrow(/message is truncated/);
    expect(() => decodeFrontend(frame(hex('51 00000006 53 4c')))).toThrow(/unterminated string/);
    const invalidUtf8 = (() => {
      try {
        decodeFrontend(frame(hex('51 00000007 c3 28 00')));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(invalidUtf8).toBeInstanceOf(ProtocolViolation);
    expect((invalidUtf8 as ProtocolViolation).sqlState).toBe('22021');
  });
});

describe('startup packets', () => {
  it('StartupMessage v3.0 with user and database', () => {
    const golden = hex('00000020 00030000 7573657200 616c69636500 646174616261736500 646200 00');
    expect(decodeStartup(startupBody(golden))).toEqual({
      kind: 'startup',
      parameters: new Map([
        ['user', 'alice'],
        ['database', 'db'],
      ]),
    });
  });

  it('SSLRequest, GSSENCRequest and CancelRequest', () => {
    expect(decodeStartup(startupBody(hex('00000008 04d2162f')))).toEqual({ kind: 'ssl' });
    expect(decodeStartup(startupBody(hex('00000008 04d21630')))).toEqual({ kind: 'gssenc' });
    expect(decodeStartup(startupBody(hex('00000010 04d2162e 00001234 00005678')))).toEqual({ kind: 'cancel', processId: 0x1234, secretKey: 0x5678 });
  });

  it('refuses protocol 2.0 with SQLSTATE 0A000 (feature_not_supported)', () => {
    let caught: unknown;
    try {
      decodeStartup(startupBody(hex('00000009 00020000 00')));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProtocolViolation);
    expect((caught as ProtocolViolation).message).toMatch(/unsupported frontend protocol 2\.0/);
    expect((caught as ProtocolViolation).sqlState).toBe('0A000');
  });
});

describe('backend messages the proxy writes, byte for byte', () => {
  it('AuthenticationOk and AuthenticationCleartextPassword', () => {
    expect(authenticationOk()).toEqual(hex('52 00000008 00000000'));
    expect(authenticationCleartextPassword()).toEqual(hex('52 00000008 00000003'));
  });

  it('ReadyForQuery in each transaction status', () => {
    expect(readyForQuery('I')).toEqual(hex('5a 00000005 49'));
    expect(readyForQuery('T')).toEqual(hex('5a 00000005 54'));
    expect(readyForQuery('E')).toEqual(hex('5a 00000005 45'));
  });

  it('EmptyQueryResponse, and the one-byte answers to SSLRequest', () => {
    expect(emptyQueryResponse()).toEqual(hex('49 00000004'));
    expect(sslRefused()).toEqual(hex('4e'));
    expect(sslAccepted()).toEqual(hex('53'));
  });

  it('DataRow with "1" and NULL', () => {
    expect(dataRow([Buffer.from('1'), null])).toEqual(hex('44 0000000f 0002 00000001 31 ffffffff'));
  });

  it('ErrorResponse: severity (S and V), SQLSTATE, message, then the terminating 00', () => {
    const golden = hex('45 0000002d 53 4552524f5200 56 4552524f5200 43 343235303100 4d 7065726d697373696f6e2064656e69656400 00');
    expect(errorResponse({ severity: 'ERROR', code: '42501', message: 'permission denied' })).toEqual(golden);
  });

  it('NoticeResponse with detail and hint; a multi-line message is sent on one line', () => {
    const golden = hex('4e 00000027 53 4e4f5449434500 56 4e4f5449434500 43 303030303000 4d 6120 6200 44 6400 48 6800 00');
    expect(noticeResponse({ severity: 'NOTICE', code: '00000', message: 'a\nb', detail: 'd', hint: 'h' })).toEqual(golden);
  });
});

describe('backend messages the proxy decodes from the server', () => {
  it('RowDescription of one int4 column "id" of table OID 16384', () => {
    const message = frame(hex('54 0000001b 0001 696400 00004000 0001 00000017 0004 ffffffff 0000'));
    expect(decodeRowDescription(message.body)).toEqual([
      { name: 'id', tableOid: 16384, columnNumber: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
    ]);
  });

  it('DataRow, the inverse of the encoder', () => {
    expect(decodeDataRow(frame(hex('44 0000000f 0002 00000001 31 ffffffff')).body)).toEqual([Buffer.from('1'), null]);
  });

  it('ErrorResponse fields by tag', () => {
    const message = frame(hex('45 0000002d 53 4552524f5200 56 4552524f5200 43 343235303100 4d 7065726d697373696f6e2064656e69656400 00'));
    expect(decodeFields(message.body)).toEqual(
      new Map([
        ['S', 'ERROR'],
        ['V', 'ERROR'],
        ['C', '42501'],
        ['M', 'permission denied'],
      ]),
    );
  });

  it('ParameterStatus client_encoding = UTF8', () => {
    const message = frame(hex('53 00000019 636c69656e745f656e636f64696e6700 5554463800'));
    expect(decodeParameterStatus(message.body)).toEqual({ name: 'client_encoding', value: 'UTF8' });
  });

  it('CommandComplete tags and the row counts they carry', () => {
    expect(decodeCommandTag(frame(hex('43 0000000d 53454c4543542033 00')).body)).toBe('SELECT 3');
    expect(rowsFromCommandTag('SELECT 3')).toBe(3);
    expect(rowsFromCommandTag('INSERT 0 2')).toBe(2);
    expect(rowsFromCommandTag('BEGIN')).toBeUndefined();
  });

  it('a RowDescription cut short is a protocol violation, not a partial column list', () => {
    expect(() => decodeRowDescription(hex('0001 696400 00004000'))).toThrow(/RowDescription: message is truncated/);
  });
});

describe('MessageFramer', () => {
  it('returns two messages that arrive in one chunk, in order', () => {
    const framer = new MessageFramer(1 << 20);
    framer.push(Buffer.concat([encodeSync(), encodeQuery('SELECT 1')]));
    expect(framer.next()?.raw).toEqual(encodeSync());
    expect(framer.next()?.raw).toEqual(encodeQuery('SELECT 1'));
    expect(framer.next()).toBeUndefined();
  });

  it('refuses a length below 4 and a message above the limit (SQLSTATE 54000) before buffering it', () => {
    const short = new MessageFramer(1 << 20);
    short.push(hex('51 00000003'));
    expect(() => short.next()).toThrow(/invalid message length 3 for message type 'Q'/);
    const limited = new MessageFramer(64);
    limited.push(hex('51 00100000'));
    let caught: unknown;
    try {
      limited.next();
    } catch (error) {
      caught = error;
    }
    expect((caught as ProtocolViolation).sqlState).toBe('54000');
  });

  it('refuses a startup packet shorter than 8 bytes', () => {
    const framer = new MessageFramer(1 << 20);
    framer.push(hex('00000004'));
    expect(() => framer.nextStartup()).toThrow(/invalid startup packet length 4/);
  });

  it('hands over what follows the startup packet unread (the TLS handshake after SSLRequest)', () => {
    const framer = new MessageFramer(1 << 20);
    framer.push(hex('00000008 04d2162f 160301'));
    expect(framer.nextStartup()).toEqual(hex('04d2162f'));
    expect(framer.drain()).toEqual(hex('160301'));
  });
});
