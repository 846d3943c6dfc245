import { expect, it } from 'vitest';
import type { ApprovalRecord, StateStore } from '../../../../engine/control/state/state-store.ts';
import { waitUntil } from '../../../support/wait-until.ts';

export function approvalRecord(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  const now = new Date();
  return {
    id: `a-${Math.random().toString(36).slice(2)}`,
    kind: 'decision',
    status: 'pending',
    bindingHash: 'h1',
    binding: { subject: 'p', action: 'db.query', resource: { type: 'Database', id: 'orders' }, text: 'DROP TABLE x' },
    requestedBy: 'p',
    reasons: [],
    input: {},
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 600_000).toISOString(),
    ...overrides,
  };
}

/** The behaviour every StateStore implementation must have, run against each. */
export function stateStoreContract(open: () => StateStore): void {
  const future = (): Date => new Date(Date.now() + 3_600_000);

  it('createApproval with a repeated request id returns the first approval', async () => {
    const store = open();
    const first = await store.createApproval(approvalRecord({ requestId: 'r1' }));
    const second = await store.createApproval(approvalRecord({ requestId: 'r1' }));
    expect(second.id).toBe(first.id);
  });

  it('listApprovals with expiredBy returns only due pending approvals, oldest expiry first (the sweeper is not starved by new ones)', async () => {
    const store = open();
    const now = new Date();
    const tag = Math.random().toString(36).slice(2);
    const due = await store.createApproval(approvalRecord({ requestId: `due-${tag}`, createdAt: new Date(now.getTime() - 700_000).toISOString(), expiresAt: new Date(now.getTime() - 100_000).toISOString() }));
    const fresh = await store.createApproval(approvalRecord({ requestId: `fresh-${tag}` }));
    const listed = (await store.listApprovals({ status: 'pending', limit: 1000, expiredBy: now })).map((r) => r.id);
    expect(listed).toContain(due.id);
    expect(listed).not.toContain(fresh.id);
  });

  it('resolveApproval resolves once and notifies', async () => {
    const store = open();
    const record = await store.createApproval(approvalRecord());
    const seen: string[] = [];
    const stop = store.subscribe((c) => c.kind === 'approval' && c.id === record.id && c.status !== 'pending' && seen.push(c.status));
    const resolved = await store.resolveApproval(record.id, { status: 'approved', resolvedAt: new Date().toISOString(), reviewer: 'r' });
    expect(resolved).toMatchObject({ status: 'approved', reviewer: 'r' });
    expect(await store.resolveApproval(record.id, { status: 'denied', resolvedAt: new Date().toISOString() })).toBeUndefined();
    await expect.poll(() => seen).toEqual(['approved']);
    stop();
  });

  it('findApprovalWindow finds an approved window while it is open', async () => {
    const store = open();
    const hash = `w-${Math.random()}`;
    const record = await store.createApproval(approvalRecord({ bindingHash: hash }));
    const until = new Date(Date.now() + 60_000);
    await store.resolveApproval(record.id, { status: 'approved', resolvedAt: new Date().toISOString(), windowUntil: until.toISOString() });
    expect((await store.findApprovalWindow(hash, new Date()))?.id).toBe(record.id);
    expect(await store.findApprovalWindow(hash, new Date(until.getTime() + 1))).toBeUndefined();
  });

  it('purgeExpired drops resolved approvals after their retention (client-created approvals do not pile up), keeping pending ones and open windows', async () => {
    const store = open();
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const tag = Math.random().toString(36).slice(2);
    const resolved = await store.createApproval(approvalRecord({ requestId: `purge-resolved-${tag}` }));
    await store.resolveApproval(resolved.id, { status: 'denied', resolvedAt: now.toISOString() });
    const windowed = await store.createApproval(approvalRecord({ requestId: `purge-window-${tag}` }));
    await store.resolveApproval(windowed.id, { status: 'approved', resolvedAt: now.toISOString(), windowUntil: at(3 * 3_600_000).toISOString() });
    const pending = await store.createApproval(approvalRecord({ requestId: `purge-pending-${tag}` }));

    await store.purgeExpired(at(30 * 60_000));
    expect(await store.getApproval(resolved.id)).toBeDefined();

    await store.purgeExpired(at(2 * 3_600_000));
    expect(await store.getApproval(resolved.id)).toBeUndefined();
    expect(await store.getApproval(windowed.id)).toBeDefined();
    expect(await store.getApproval(pending.id)).toBeDefined();
    // The purged approval's request id no longer maps to it.
    const again = await store.createApproval(approvalRecord({ requestId: `purge-resolved-${tag}` }));
    expect(again.id).not.toBe(resolved.id);
  });

  it('consumeTokenUse stops at maxUses and is idempotent per request id', async () => {
    const store = open();
    const token = { tokenId: `t-${Math.random()}`, maxUses: 2, expiresAt: future() };
    expect(await store.consumeTokenUse({ ...token, requestId: 'a' })).toEqual({ ok: true, uses: 1, replayed: false });
    expect(await store.consumeTokenUse({ ...token, requestId: 'a' })).toEqual({ ok: true, uses: 1, replayed: true });
    expect(await store.consumeTokenUse({ ...token, requestId: 'b' })).toEqual({ ok: true, uses: 2, replayed: false });
    expect(await store.consumeTokenUse({ ...token, requestId: 'c' })).toEqual({ ok: false, uses: 2 });
    expect(await store.getTokenUses(token.tokenId)).toBe(2);
  });

  it('50 concurrent redemptions of a 1-use token: exactly one succeeds', async () => {
    const store = open();
    const token = { tokenId: `t-${Math.random()}`, maxUses: 1, expiresAt: future() };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.consumeTokenUse({ ...token, requestId: `r${i}` })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('revocations of a token and of a subject are found', async () => {
    const store = open();
    const issuedAt = new Date(Date.now() - 1000);
    await store.revokeToken('tok-1', future(), new Date());
    expect(await store.findRevocation({ id: 'tok-1', subject: 's', issuedAt })).toMatch(/revoked/);
    expect(await store.findRevocation({ id: 'tok-2', subject: 's', issuedAt })).toBeUndefined();
    await store.revokeSubject('s', new Date());
    expect(await store.findRevocation({ id: 'tok-2', subject: 's', issuedAt })).toMatch(/subject s/);
    expect(await store.findRevocation({ id: 'tok-3', subject: 's', issuedAt: future() })).toBeUndefined();
  });

  it('idempotency keys are returned until their TTL', async () => {
    const store = open();
    await store.put('k1', { answer: { effect: 'allow' } }, 60_000);
    expect(await store.get('k1')).toEqual({ answer: { effect: 'allow' } });
    expect(await store.get('missing')).toBeUndefined();
    await store.put('k2', { x: 1 }, 1);
    // Past its 1 ms TTL the key is gone (polled: the store's clock decides when, not a sleep).
    expect(await waitUntil('k2 to expire', async () => (await store.get('k2')) === undefined)).toBe(true);
  });
}
