import { describe, expect, it } from 'vitest';
import type { DecideRequest__Output } from '../../../proto/generated/gatehouse/v1/DecideRequest.ts';
import { MemoryIdempotencyStore } from '../../../engine/decision/idempotency-store.ts';
import { parseDecideRequest } from '../../../engine/server/parse-decide-request.ts';
import { requestFingerprint } from '../../../engine/decision/request-fingerprint.ts';
import type { Value__Output } from '../../../proto/generated/google/protobuf/Value.ts';

const request = (over: Partial<DecideRequest__Output> = {}): DecideRequest__Output => ({
  subject: { id: 'alice', type: '', groups: ['dba'], claims: null },
  action: 'db.query',
  resource: { type: 'Database', id: 'orders', attributes: null },
  context: null,
  token: '',
  session_id: '',
  request_id: '',
  context_json: Buffer.alloc(0),
  ...over,
});

const json = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('parseDecideRequest', () => {
  it('a minimal request gets defaults: subject type User, empty context and attributes, no ids', () => {
    expect(parseDecideRequest(request())).toEqual({
      subject: { id: 'alice', type: 'User', groups: ['dba'], claims: {} },
      action: 'db.query',
      resource: { type: 'Database', id: 'orders', attributes: {} },
      context: {},
    });
  });

  it('with a token the caller-supplied subject is dropped, not merged', () => {
    const parsed = parseDecideRequest(request({ token: 'eyJ.a.b', subject: { id: 'root', type: '', groups: ['admin'], claims: null } }));
    expect(parsed.subject).toBeUndefined();
    expect(parsed.token).toBe('eyJ.a.b');
  });

  it.each([
    [{ subject: { id: 'a', type: 'Not A Type', groups: [], claims: null } }, 'subject.type: must be a Cedar entity type'],
    [{ subject: { id: 'a', type: '', groups: ['ok', ''], claims: null } }, 'subject.groups[1]: must not be empty'],
    [{ subject: { id: 'a', type: '', groups: Array.from({ length: 257 }, (_, i) => `g${i}`), claims: null } }, 'subject.groups: more than 256 entries'],
    [{ subject: { id: 'al\nice', type: '', groups: [], claims: null } }, 'subject.id: must not contain control characters'],
    [{ resource: { type: 'Database', id: 'x'.repeat(513), attributes: null } }, 'resource.id: longer than 512 characters'],
    [{ action: 'a'.repeat(129) }, 'action: longer than 128 characters'],
    [{ token: 'x'.repeat(16 * 1024 + 1) }, 'token: longer than 16384 characters'],
    [{ session_id: 'has space' }, 'session_id: must be printable ASCII without spaces'],
  ])('%j is refused: %s', (over, message) => {
    expect(() => parseDecideRequest(request(over as Partial<DecideRequest__Output>))).toThrow(message);
  });

  it('request_id is required only when asked for (DecideStream)', () => {
    expect(() => parseDecideRequest(request(), { requireRequestId: true })).toThrow(/^request_id: required on DecideStream/);
  });
});

describe('context_json: the context as JSON bytes', () => {
  const context = { sql: { text: 'SELECT 1', catalog: { orders: ['id', 'note'] } }, n: 1.5, flag: true, none: null, list: [1, 'a', { b: [] }] };

  it('decodes to the same context as the Struct form, and keeps the bytes for the fingerprint', () => {
    const bytes = json(JSON.stringify(context));
    const parsed = parseDecideRequest(request({ context_json: bytes }));
    expect(parsed.context).toEqual(context);
    expect(parsed.contextJson).toBe(bytes);
    const viaStruct = parseDecideRequest(request({ context: toStruct(context) }));
    expect(viaStruct.context).toEqual(parsed.context);
    expect(viaStruct.contextJson).toBeUndefined();
  });

  it('a __proto__ key stays a plain data key', () => {
    const parsed = parseDecideRequest(request({ context_json: json('{"__proto__": {"polluted": true}}') }));
    expect(Object.getPrototypeOf(parsed.context)).toBe(Object.prototype);
    expect(Object.keys(parsed.context)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{"a": 1', 'context_json: not valid JSON'],
    ['[1, 2]', 'context_json: must be a JSON object'],
    ['null', 'context_json: must be a JSON object'],
    ['"text"', 'context_json: must be a JSON object'],
    ['{"n": 1e999}', 'context_json: numbers must be finite'],
    ['{"n": [-1e400]}', 'context_json: numbers must be finite'],
    [`{"a": ${'['.repeat(33)}${']'.repeat(33)}}`, 'context_json: nested deeper than 32 levels'],
    ['{"sql": "SELECT 1"}', 'context.sql: must be an object'],
    ['{"sql": {"text": 1}}', 'context.sql.text: must be a string'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseDecideRequest(request({ context_json: json(text) }))).toThrow(message);
  });

  it.each([
    ['{"a": hunter2-secret-value}', /not valid JSON \(an unexpected character\)$/],
    ['{"sql": "hunter2-secret-value" x}', /not valid JSON \(error at character 31\)$/],
    ['{"sql": "hunter2-secret-value", "b": ', /not valid JSON \(it ends before the object does\)$/],
  ])('invalid JSON %s is refused without quoting the caller\'s bytes', (text, message) => {
    let thrown: unknown;
    try {
      parseDecideRequest(request({ context_json: json(text) }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('hunter2');
  });

  it('as deep as the Struct form allows is accepted', () => {
    const parsed = parseDecideRequest(request({ context_json: json(`{"a": ${'['.repeat(32)}${']'.repeat(32)}}`) }));
    expect(Object.keys(parsed.context)).toEqual(['a']);
  });

  it('invalid UTF-8 is refused, not replaced', () => {
    expect(() => parseDecideRequest(request({ context_json: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) }))).toThrow('context_json: not valid UTF-8');
  });

  it('more than 1 MiB is refused', () => {
    const big = json(JSON.stringify({ sql: { text: 'x'.repeat(1024 * 1024) } }));
    expect(() => parseDecideRequest(request({ context_json: big }))).toThrow('context_json: larger than 1048576 bytes of JSON');
  });

  it('context and context_json together are refused', () => {
    expect(() => parseDecideRequest(request({ context: toStruct({ a: 1 }), context_json: json('{"a": 1}') }))).toThrow(
      'context_json: set either context or context_json, not both',
    );
  });
});

describe('request fingerprint', () => {
  it('of a context sent as JSON is over its bytes as sent: the same bytes match, other bytes or the Struct form do not', () => {
    const base = { action: 'db.query', resource: { type: 'D', id: 'o' } };
    const bytes = json('{"a":1,"b":2}');
    const a = requestFingerprint({ ...base, context: { a: 1, b: 2 }, contextJson: bytes });
    expect(requestFingerprint({ ...base, context: { a: 1, b: 2 }, contextJson: json('{"a":1,"b":2}') })).toBe(a);
    expect(requestFingerprint({ ...base, context: { a: 1, b: 3 }, contextJson: json('{"a":1,"b":3}') })).not.toBe(a);
    expect(requestFingerprint({ ...base, context: { a: 1, b: 2 } })).not.toBe(a);
    expect(requestFingerprint({ ...base, action: 'db.connect', context: { a: 1, b: 2 }, contextJson: bytes })).not.toBe(a);
    expect(requestFingerprint({ ...base, token: 't', context: { a: 1, b: 2 }, contextJson: bytes })).not.toBe(a);
  });

  it('does not depend on the order of Struct keys, and differs when the request differs', () => {
    const a = requestFingerprint({ action: 'db.query', resource: { type: 'D', id: 'o' }, context: { a: 1, b: { c: 2, d: 3 } } });
    const b = requestFingerprint({ action: 'db.query', resource: { id: 'o', type: 'D' }, context: { b: { d: 3, c: 2 }, a: 1 } });
    const c = requestFingerprint({ action: 'db.query', resource: { type: 'D', id: 'o' }, context: { a: 1, b: { c: 2, d: 4 } } });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('MemoryIdempotencyStore', () => {
  it('forgets an entry after its TTL and evicts the least recently used beyond its bound', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore(2, () => now);
    await store.put('a', 1, 100);
    await store.put('b', 2, 100);
    await store.get('a');
    await store.put('c', 3, 100);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe(1);
    now = 100;
    expect(await store.get('c')).toBeUndefined();
  });
});

/** The Struct a proto-loader client would decode from the wire, for comparing both forms. */
function toStruct(object: Record<string, unknown>): DecideRequest__Output['context'] {
  const value = (v: unknown): Value__Output => {
    if (v === null) return { nullValue: 'NULL_VALUE', kind: 'nullValue' };
    if (typeof v === 'string') return { stringValue: v, kind: 'stringValue' };
    if (typeof v === 'number') return { numberValue: v, kind: 'numberValue' };
    if (typeof v === 'boolean') return { boolValue: v, kind: 'boolValue' };
    if (Array.isArray(v)) return { listValue: { values: v.map(value) }, kind: 'listValue' };
    return { structValue: toStruct(v as Record<string, unknown>)!, kind: 'structValue' };
  };
  return { fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, value(v)])) };
}
