import { describe, expect, it } from 'vitest';
import type { DecideRequest__Output } from '../../../proto/generated/gatehouse/v1/DecideRequest.ts';
import { MemoryIdempotencyStore } from '../../../engine/decision/idempotency-store.ts';
import { parseDecideRequest } from '../../../engine/server/parse-decide-request.ts';
import { requestFingerprint } from '../../../engine/decision/request-fingerprint.ts';

const request = (over: Partial<DecideRequest__Output> = {}): DecideRequest__Output => ({
  subject: { id: 'alice', type: '', groups: ['dba'], claims: null },
  action: 'db.query',
  resource: { type: 'Database', id: 'orders', attributes: null },
  context: null,
  token: '',
  session_id: '',
  request_id: '',
  ...over,
});

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

describe('request fingerprint', () => {
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
