import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalManager } from '../../../../engine/control/approvals/approval-manager.ts';
import type { ApprovalUpdate } from '../../../../engine/control/approvals/await-approval.ts';
import type { DecisionInput } from '../../../../engine/model/index.ts';
import { createStateStore } from '../../../../engine/control/state/create-state-store.ts';
import type { StateStore } from '../../../../engine/control/state/state-store.ts';
import { KeyEncryptionKey } from '../../../../engine/control/tokens/key-encryption-key.ts';
import { openTokenAuthority, type TokenAuthority } from '../../../../engine/control/tokens/token-authority.ts';
import { CollectingAuditSink, cedarDecide } from '../approvals/approval-fixture.ts';
import { createTestDatabase } from './postgres-test-database.ts';
import { stateStoreContract } from './state-store-contract.ts';

let database: { url: string; drop(): Promise<void> };
const stores: StateStore[] = [];
const authorities: TokenAuthority[] = [];

beforeAll(async () => {
  database = await createTestDatabase('gh_state');
});
afterAll(async () => {
  for (const authority of authorities) authority.close();
  for (const store of stores) await store.close();
  await database?.drop();
});

async function replica(): Promise<StateStore> {
  const store = await createStateStore(database.url);
  stores.push(store);
  return store;
}

describe('PostgresStateStore (real PostgreSQL)', () => {
  let shared: StateStore;
  beforeAll(async () => {
    shared = await replica();
  });
  stateStoreContract(() => shared);

  it('the schema migration is repeatable: a second replica starts on the migrated database', async () => {
    const second = await replica();
    expect(second.kind).toBe('postgres');
  });
});

describe('two replicas on one PostgreSQL behave as one', () => {
  const kek = KeyEncryptionKey.fromText(randomBytes(32).toString('hex'), 'test');
  let a: { store: StateStore; tokens: TokenAuthority; approvals: ApprovalManager };
  let b: { store: StateStore; tokens: TokenAuthority; approvals: ApprovalManager };

  beforeAll(async () => {
    const make = async () => {
      const store = await replica();
      const tokens = await openTokenAuthority({ store, kek });
      authorities.push(tokens);
      const approvals = new ApprovalManager({
        store,
        audit: new CollectingAuditSink(),
        decide: cedarDecide(),
        recheckToken: (token, now) => tokens.gate.recheck(token, now),
        tokenIssuer: tokens.issuer,
      });
      return { store, tokens, approvals };
    };
    a = await make();
    b = await make();
  });

  const orders = { type: 'Database', id: 'orders' };
  const query = { action: 'db.query', resource: orders, context: {} };

  it('a token issued on A verifies on B (signing keys shared, encrypted with the KEK)', async () => {
    const issued = await a.tokens.issuer.issue({ subject: { id: 'planner-1' }, actions: ['db.query'], resource: orders, ttlSeconds: 300, now: new Date() });
    expect((await b.tokens.gate.check(issued.token, { ...query, now: new Date() })).ok).toBe(true);
  });

  it('a replica with the wrong KEK cannot start on the shared keys', async () => {
    const store = await replica();
    await expect(openTokenAuthority({ store, kek: KeyEncryptionKey.fromText(randomBytes(32).toString('hex'), 'wrong') })).rejects.toThrow(/wrong key-encryption key/);
  });

  it('an approval on A releases AwaitApproval waiting on B', async () => {
    const binding = { subject: 'planner-1', executor: 'agent-7', action: 'db.query', resource: orders, text: 'DROP TABLE t' };
    const input: DecisionInput = { subject: { id: 'planner-1' }, action: 'db.query', resource: orders, context: {}, time: new Date().toISOString() };
    const { approvalId } = await b.approvals.requestApproval({
      binding,
      input,
      decision: { effect: 'require_approval', reasons: [], obligations: {}, engines: [] },
      decisionId: 'd1',
      requestId: `r-${randomBytes(4).toString('hex')}`,
    });
    const updates: ApprovalUpdate[] = [];
    const waiting = (async () => {
      for await (const update of b.approvals.watch(approvalId, undefined, new AbortController().signal)) updates.push(update);
    })();
    await expect.poll(() => updates.length).toBe(1);
    await a.approvals.approve(approvalId, { id: 'rita', groups: ['reviewers'] });
    await waiting;
    expect(updates.map((u) => u.approval.status)).toEqual(['pending', 'approved']);
  });

  it('a 3-use token redeemed concurrently across both replicas succeeds exactly 3 times', async () => {
    const issued = await a.tokens.issuer.issue({ subject: { id: 'planner-1' }, actions: ['db.query'], resource: orders, ttlSeconds: 300, maxUses: 3, now: new Date() });
    const check = await a.tokens.gate.check(issued.token, { ...query, now: new Date() });
    if (!check.ok) throw new Error(check.reason);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).tokens.gate.consumeUse(check.token, `req-${i}`)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect((await b.tokens.gate.check(issued.token, { ...query, now: new Date() })).ok).toBe(false);
  });

  it('a revocation on A is seen on B at once', async () => {
    const issued = await a.tokens.issuer.issue({ subject: { id: 'planner-9' }, actions: ['db.query'], resource: orders, ttlSeconds: 300, now: new Date() });
    expect((await b.tokens.gate.check(issued.token, { ...query, now: new Date() })).ok).toBe(true);
    await a.store.revokeToken(issued.tokenId, issued.expiresAt, new Date());
    expect(await b.tokens.gate.check(issued.token, { ...query, now: new Date() })).toMatchObject({ ok: false, check: 'revoked' });
  });
});
