import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DecideCall } from '../../../engine/decision/decide-call.ts';
import { requestFingerprint } from '../../../engine/decision/request-fingerprint.ts';

/** The documented form: sha256 of the call's fields as JSON with every object's keys sorted. */
function expectedFingerprint(call: DecideCall): string {
  // Built by hand: JSON.stringify would put integer-like keys ("9", "10") first whatever the sort.
  const canonical = (value: unknown): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map((item) => canonical(item)).join(',')}]`;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort().filter((key) => record[key] !== undefined);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(',')}}`;
  };
  const hash = createHash('sha256');
  hash.update(
    canonical({
      subject: call.subject ?? null,
      action: call.action,
      resource: call.resource,
      context: call.contextJson === undefined ? call.context : undefined,
      contextJson: call.contextJson === undefined ? undefined : call.contextJson.length,
      token: call.token ?? null,
      sessionId: call.sessionId ?? null,
    }),
  );
  if (call.contextJson !== undefined) {
    hash.update('\0');
    hash.update(call.contextJson);
  }
  return hash.digest('base64url');
}

function call(fields: Record<string, unknown>): DecideCall {
  return fields as unknown as DecideCall;
}

describe('requestFingerprint', () => {
  it('is byte for byte what answers were remembered by before (PostgreSQL state outlives a release)', () => {
    const calls = [
      call({
        subject: { id: 'alice', groups: ['dba', 'ops'], type: 'User' },
        action: 'db.query',
        resource: { type: 'Database', id: 'orders', attributes: { env: 'prod', z: [1, 'x', null, { b: 2, a: [true, false] }], é: 'ü', '\u0000k': 'v\n"' } },
        context: { sql: { text: "SELECT 'x' FROM t" }, n: 1.5e300, e: -0, list: [], obj: {}, u: undefined },
        token: 'tok',
        sessionId: 's-1',
      }),
      call({ action: 'ssh.exec', resource: { type: 'Host', id: 'web-1' }, context: {}, contextJson: Buffer.from('{"command":{"text":"ls"}}') }),
      call({ action: 'a', resource: { type: 'T', id: 'i' }, context: { B: 1, a: 2, _: 3, '10': 4, '9': 5, Ä: 6 } }),
    ];
    expect(calls.map(requestFingerprint)).toEqual([
      '4F2OcyMbYqDpLDYMTvJuTtCX4NNF8QOBo3-nFcXnd2c',
      'ope1s9DDV5FIptO6O9bE98ZWmWOCpRAMyTKgvi7gAhs',
      'ICMoRl3to-NjmWk-nS96JcXeZF7N6hshwzSZVsW_aww',
    ]);
  });

  it('hashes JSON with sorted keys for generated contexts, whatever the key order they arrive in', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'B', 'z', '_', '0', '9', 'é', 'Ä', '\u0000', '"', ' ', '😀', 'key', 'Key', 'aa'];
    const key = (): string => Array.from({ length: 1 + Math.floor(random() * 3) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 3 ? 4 : 7));
      if (kind === 0) return null;
      if (kind === 1) return random() < 0.5;
      if (kind === 2) return Math.round((random() - 0.5) * 1e6) / 100;
      if (kind === 3) return key();
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const record: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 16); i > 0; i--) record[key()] = random() < 0.1 ? undefined : value(depth + 1);
      return record;
    };
    for (let i = 0; i < 300; i++) {
      const context = value(0);
      const generated = call({ action: 'db.query', resource: { type: 'Database', id: key() }, context: context !== null && typeof context === 'object' && !Array.isArray(context) ? context : { v: context } });
      expect(requestFingerprint(generated)).toBe(expectedFingerprint(generated));
      const reordered = call({ ...generated, context: Object.fromEntries(Object.entries(generated.context).reverse()) as unknown });
      expect(requestFingerprint(reordered)).toBe(requestFingerprint(generated));
    }
  });
});
