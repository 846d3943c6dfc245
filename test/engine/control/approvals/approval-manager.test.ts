import { beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalBinding } from '../../../../engine/decision/decision-hooks.ts';
import { ApprovalError } from '../../../../engine/control/approvals/approval-errors.ts';
import { ApprovalManager } from '../../../../engine/control/approvals/approval-manager.ts';
import type { ApprovalUpdate } from '../../../../engine/control/approvals/await-approval.ts';
import type { Decision } from '../../../../engine/model/index.ts';
import type { DecisionInput, Subject, TokenFacts } from '../../../../engine/model/index.ts';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { openTokenAuthority, type TokenAuthority } from '../../../../engine/control/tokens/token-authority.ts';
import { CollectingAuditSink, cedarDecide } from './approval-fixture.ts';

const reviewer: Subject = { id: 'rita', groups: ['reviewers'] };
const outsider: Subject = { id: 'oscar', groups: ['dba'] };
const needsApproval: Decision = { effect: 'require_approval', reasons: ['cedar:drop: DROP needs a reviewer'], obligations: {}, engines: [] };

let store: MemoryStateStore;
let audit: CollectingAuditSink;
let authority: TokenAuthority;
let now: Date;
let manager: ApprovalManager;

beforeEach(async () => {
  store = new MemoryStateStore();
  audit = new CollectingAuditSink();
  now = new Date('2026-11-25T10:00:00Z');
  authority = await openTokenAuthority({ store, clock: () => now });
  manager = new ApprovalManager({
    store,
    audit,
    decide: cedarDecide(),
    recheckToken: (token, at) => authority.gate.recheck(token, at),
    tokenIssuer: authority.issuer,
    clock: () => now,
  });
});

function binding(text = 'DROP TABLE audit_old', subject = 'planner-1'): ApprovalBinding {
  return { subject, executor: 'agent-7', action: 'db.query', resource: { type: 'Database', id: 'orders' }, text };
}

async function held(requestId = 'req-1', token?: TokenFacts, text?: string): Promise<string> {
  const b = binding(text);
  const input: DecisionInput = {
    subject: { id: b.subject },
    action: b.action,
    resource: b.resource,
    context: { sql: { text: b.text } },
    time: now.toISOString(),
    requestId,
    ...(token ? { token } : {}),
  };
  return (await manager.requestApproval({ binding: b, input, decision: needsApproval, decisionId: `d-${requestId}`, requestId })).approvalId;
}

async function refusal(promise: Promise<unknown>): Promise<ApprovalError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApprovalError);
  return error as ApprovalError;
}

async function collect(updates: AsyncGenerator<ApprovalUpdate>): Promise<ApprovalUpdate[]> {
  const all: ApprovalUpdate[] = [];
  for await (const update of updates) all.push(update);
  return all;
}

describe('approvals', () => {
  it('a require_approval creates one pending approval per request id, audited once', async () => {
    const id = await held('req-1');
    expect(await held('req-1')).toBe(id);
    expect((await manager.get(id)).status).toBe('pending');
    expect(audit.events.map((e) => [e.type, e.data.kind])).toEqual([['gatehouse.approval.v1', 'requested']]);
  });

  it('approve by a reviewer releases the waiting party and is audited', async () => {
    const id = await held();
    const controller = new AbortController();
    const waiting = collect(manager.watch(id, undefined, controller.signal));
    const approved = await manager.approve(id, reviewer, { comment: 'ok for the cleanup' });
    expect(approved).toMatchObject({ status: 'approved', reviewer: 'rita', comment: 'ok for the cleanup' });
    const updates = await waiting;
    expect(updates.map((u) => u.approval.status)).toEqual(['pending', 'approved']);
    expect(updates.at(-1)!.final).toBe(true);
    expect(audit.events.map((e) => e.data.kind)).toEqual(['requested', 'approved']);
  });

  it('deny resolves it denied; it resolves only once', async () => {
    const id = await held();
    await manager.deny(id, reviewer, { comment: 'not today' });
    expect((await manager.get(id)).status).toBe('denied');
    expect((await refusal(manager.approve(id, reviewer))).code).toBe('GATEHOUSE_APPROVAL_RESOLVED');
    expect(audit.events.map((e) => e.data.kind)).toEqual(['requested', 'denied']);
  });

  it('an approval nobody decides expires after 10 minutes and the waiter gets expired', async () => {
    const id = await held();
    const controller = new AbortController();
    const watch = manager.watch(id, undefined, controller.signal);
    // The watcher's first update (pending) means it is subscribed: the expiry cannot slip past it.
    expect((await watch.next()).value?.approval.status).toBe('pending');
    now = new Date(now.getTime() + 10 * 60_000 + 1);
    await manager.sweep();
    const updates = await collect(watch);
    expect(updates.at(-1)!.approval.status).toBe('expired');
    expect((await refusal(manager.approve(id, reviewer))).code).toBe('GATEHOUSE_APPROVAL_RESOLVED');
    expect(audit.events.map((e) => e.data.kind)).toEqual(['requested', 'expired']);
  });

  it('a window lets the same binding through until it closes, naming the approval; another text is not covered', async () => {
    const id = await held();
    await manager.approve(id, reviewer, { windowSeconds: 600 });
    expect(await manager.findWindow(binding(), new Date(now.getTime() + 599_000))).toEqual({ approvalId: id });
    expect(await manager.findWindow(binding(), new Date(now.getTime() + 601_000))).toBeUndefined();
    expect(await manager.findWindow(binding('DROP TABLE users'), now)).toBeUndefined();
    expect(await manager.findWindow(binding('DROP TABLE audit_old', 'planner-2'), now)).toBeUndefined();
  });

  it('an approval without a window does not let the binding through again', async () => {
    const id = await held();
    await manager.approve(id, reviewer);
    expect(await manager.findWindow(binding(), now)).toBeUndefined();
  });

  it('a request_id reused for a different command is refused instead of being handed the approved approval of the first', async () => {
    const id = await held('req-reused', undefined, 'DROP TABLE audit_old');
    await manager.approve(id, reviewer);
    const error = await refusal(held('req-reused', undefined, 'DROP TABLE users'));
    expect(error.code).toBe('GATEHOUSE_APPROVAL_REQUEST_ID_REUSED');
    // A true retry (same binding) still gets the approval it created.
    expect(await held('req-reused', undefined, 'DROP TABLE audit_old')).toBe(id);
  });

  it('self-approval is refused: the subject cannot review', async () => {
    const id = await held();
    const error = await refusal(manager.approve(id, { id: 'planner-1', groups: ['reviewers'] }));
    expect(error.code).toBe('GATEHOUSE_APPROVAL_SELF');
    expect(error.message).toContain('subject');
  });

  it('self-approval is refused: the executor cannot review', async () => {
    const id = await held();
    const error = await refusal(manager.approve(id, { id: 'agent-7', groups: ['reviewers'] }));
    expect(error.code).toBe('GATEHOUSE_APPROVAL_SELF');
    expect(error.message).toContain('executor');
    expect((await manager.get(id)).status).toBe('pending');
  });

  it('a reviewer outside the reviewer group is refused by policy (approval.review)', async () => {
    const id = await held();
    const error = await refusal(manager.approve(id, outsider));
    expect(error.code).toBe('GATEHOUSE_APPROVAL_FORBIDDEN');
    expect((await refusal(manager.deny(id, outsider))).code).toBe('GATEHOUSE_APPROVAL_FORBIDDEN');
    expect((await manager.get(id)).status).toBe('pending');
  });

  it('a token revoked while pending is refused at release', async () => {
    const issued = await authority.issuer.issue({
      subject: { id: 'planner-1' },
      actions: ['db.query'],
      resource: { type: 'Database', id: 'orders' },
      ttlSeconds: 300,
      executor: 'agent-7',
      now,
    });
    const check = await authority.gate.check(issued.token, {
      action: 'db.query',
      resource: { type: 'Database', id: 'orders' },
      context: { sql: { text: 'DROP TABLE audit_old', statements: [{ kind: 'drop' }] } },
      now,
    });
    if (!check.ok) throw new Error(check.reason);
    const id = await held('req-t', check.token);
    await store.revokeToken(issued.tokenId, issued.expiresAt, now);
    const error = await refusal(manager.approve(id, reviewer));
    expect(error.code).toBe('GATEHOUSE_APPROVAL_TOKEN_INVALID');
    expect(error.message).toContain('revoked');
    const record = await manager.get(id);
    expect(record).toMatchObject({ status: 'denied', resolutionReason: expect.stringContaining('token:revoked') });
  });

  it('a token that expired while pending is refused at release', async () => {
    const issued = await authority.issuer.issue({
      subject: { id: 'planner-1' },
      actions: ['db.query'],
      resource: { type: 'Database', id: 'orders' },
      ttlSeconds: 60,
      now,
    });
    const check = await authority.gate.check(issued.token, {
      action: 'db.query',
      resource: { type: 'Database', id: 'orders' },
      context: {},
      now,
    });
    if (!check.ok) throw new Error(check.reason);
    const id = await held('req-e', check.token);
    now = new Date(now.getTime() + 120_000);
    expect((await refusal(manager.approve(id, reviewer))).message).toContain('token:expired');
  });

  it('a token approval mints the token for the requester only', async () => {
    const requester: Subject = { id: 'planner-1', groups: ['planners'] };
    const record = await manager.requestTokenApproval({
      requester,
      params: { subject: requester, actions: ['db.query'], resource: { type: 'Database', id: 'prod' }, ttlSeconds: 300, maxUses: 1, now },
      decision: needsApproval,
      input: { subject: requester, action: 'token.issue', resource: { type: 'Database', id: 'prod' }, context: {}, time: now.toISOString() },
    });
    await manager.approve(record.id, reviewer);
    const other = await collect(manager.watch(record.id, { id: 'mallory' }, new AbortController().signal));
    expect(other.at(-1)!.approval.status).toBe('approved');
    expect(other.at(-1)!.token).toBeUndefined();
    const mine = await collect(manager.watch(record.id, requester, new AbortController().signal));
    const token = mine.at(-1)!.token!;
    expect(token).toBeDefined();
    const check = await authority.gate.check(token, { action: 'db.query', resource: { type: 'Database', id: 'prod' }, context: {}, now });
    expect(check).toMatchObject({ ok: true, subject: { id: 'planner-1', groups: ['planners'] }, token: { maxUses: 1 } });
  });
});
