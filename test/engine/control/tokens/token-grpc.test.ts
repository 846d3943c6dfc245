import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../engine/model/index.ts';
import { jsonToStruct } from '../../../../proto/struct-json.ts';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import type { AwaitApprovalResponse__Output } from '../../../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import type { ApproveResponse__Output } from '../../../../proto/generated/gatehouse/v1/ApproveResponse.ts';
import type { GetApprovalResponse__Output } from '../../../../proto/generated/gatehouse/v1/GetApprovalResponse.ts';
import type { GetJwksResponse__Output } from '../../../../proto/generated/gatehouse/v1/GetJwksResponse.ts';
import type { ListApprovalsResponse__Output } from '../../../../proto/generated/gatehouse/v1/ListApprovalsResponse.ts';
import type { DecideRequest } from '../../../../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { DecideResponse__Output } from '../../../../proto/generated/gatehouse/v1/DecideResponse.ts';
import type { IssueTokenRequest } from '../../../../proto/generated/gatehouse/v1/IssueTokenRequest.ts';
import type { IssueTokenResponse__Output } from '../../../../proto/generated/gatehouse/v1/IssueTokenResponse.ts';
import { unsignedToken } from './forged-tokens.ts';
import { OidcTestIssuer } from './oidc-test-issuer.ts';
import { bearer, call, callError, startTokenServer, type TokenTestServer } from './token-server-fixture.ts';

let idp: OidcTestIssuer;
let t: TokenTestServer;
let planner: string;
let reviewer: string;
let outsider: string;

beforeAll(async () => {
  idp = await OidcTestIssuer.start();
  t = await startTokenServer(new MemoryStateStore(), idp);
  planner = await idp.token('planner-1', { groups: ['planners'] });
  reviewer = await idp.token('rita', { groups: ['reviewers'] });
  outsider = await idp.token('oscar', { groups: ['dba'] });
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

const dev = { type: 'Database', id: 'orders', attributes: jsonToStruct({ env: 'dev' }) };
const prod = { type: 'Database', id: 'prod', attributes: jsonToStruct({ env: 'prod' }) };

/** `credential: null` sends no authorization metadata. */
function issue(request: IssueTokenRequest, credential: string | null = planner): Promise<IssueTokenResponse__Output> {
  return call(t.tokens.IssueToken.bind(t.tokens), request, credential !== null ? bearer(credential) : new grpc.Metadata());
}

function decideWith(token: string, text: string, requestId: string, resource = dev): Promise<DecideResponse__Output> {
  const request: DecideRequest = {
    action: 'db.query',
    resource,
    context: jsonToStruct({ sql: { text } } as JsonObject),
    token,
    request_id: requestId,
  };
  return call(t.decision.Decide.bind(t.decision), request);
}

/** A string `by` is an OIDC credential; `{ capability }` awaits as a data plane does, without one. */
function awaitApproval(approvalId: string, by?: string | { capability: string }): Promise<AwaitApprovalResponse__Output[]> {
  return new Promise((resolve, reject) => {
    const messages: AwaitApprovalResponse__Output[] = [];
    const capability = typeof by === 'object' ? by.capability : '';
    const metadata = typeof by === 'string' ? bearer(by) : new grpc.Metadata();
    const stream = t.approvals.AwaitApproval({ approval_id: approvalId, capability }, metadata);
    stream.on('data', (message: AwaitApprovalResponse__Output) => messages.push(message));
    stream.on('error', reject);
    stream.on('end', () => resolve(messages));
  });
}

describe('TokenService and ApprovalService over gRPC (planner/executor flow)', () => {
  it('IssueToken without a bearer credential is UNAUTHENTICATED and no policy runs', async () => {
    const error = await callError(issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300 }, null));
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('IssueToken with alg none is UNAUTHENTICATED naming the check', async () => {
    const forged = unsignedToken({ alg: 'none' }, { iss: idp.issuer, aud: idp.audience, sub: 'planner-1', groups: ['planners'], exp: Math.floor(Date.now() / 1000) + 60 });
    const error = await callError(issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300 }, forged));
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toContain('algorithm');
  });

  it('IssueToken for a caller policy does not allow is PERMISSION_DENIED with reasons', async () => {
    const error = await callError(issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300 }, outsider));
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(error.details).toContain('token.issue denied');
  });

  it('IssueToken with an unknown constraint is INVALID_ARGUMENT', async () => {
    const error = await callError(issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300, constraints: jsonToStruct({ nope: 1 }) }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('a planner gets a scoped token; the executor uses it for exactly what it allows', async () => {
    const issued = await issue({
      actions: ['db.query'],
      resource: dev,
      ttl_seconds: 300,
      max_uses: 2,
      executor: 'agent-7',
      constraints: jsonToStruct({ sqlKinds: ['select'] }),
    });
    expect(issued.token).not.toBe('');
    expect(issued.approval_id).toBe('');

    const first = await decideWith(issued.token, 'SELECT id FROM orders', 'exec-1');
    expect(first.effect).toBe('EFFECT_ALLOW');
    const retried = await decideWith(issued.token, 'SELECT id FROM orders', 'exec-1');
    expect(retried.decision_id).toBe(first.decision_id);

    const wrongKind = await decideWith(issued.token, 'DELETE FROM orders WHERE id = 1', 'exec-2');
    expect(wrongKind.effect).toBe('EFFECT_DENY');
    expect(wrongKind.reasons[0]).toMatch(/^token:constraints: /);

    const otherResource = await decideWith(issued.token, 'SELECT 1', 'exec-3', { type: 'Database', id: 'billing', attributes: jsonToStruct({}) });
    expect(otherResource.reasons[0]).toMatch(/^token:audience: /);

    expect((await decideWith(issued.token, 'SELECT id FROM orders', 'exec-4')).effect).toBe('EFFECT_ALLOW');
    const spent = await decideWith(issued.token, 'SELECT id FROM orders', 'exec-5');
    expect(spent.effect).toBe('EFFECT_DENY');
    expect(spent.reasons[0]).toMatch(/^token:uses: /);

    const introspected = await call(t.tokens.IntrospectToken.bind(t.tokens), { token: issued.token }, bearer(planner));
    expect(introspected).toMatchObject({ active: false, inactive_check: 'uses', subject: 'planner-1', executor: 'agent-7', uses: 2, max_uses: 2 });
  });

  it('RevokeToken by the planner makes the token fail everywhere with revoked', async () => {
    const issued = await issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300 });
    await call(t.tokens.RevokeToken.bind(t.tokens), { token_id: issued.token_id }, bearer(planner));
    const denied = await decideWith(issued.token, 'SELECT 1', 'rev-1');
    expect(denied.reasons[0]).toMatch(/^token:revoked: /);
    const other = await callError(call(t.tokens.RevokeToken.bind(t.tokens), { subject: 'planner-1' }, bearer(outsider)));
    expect(other.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('GetJwks publishes the Ed25519 verification key without a credential', async () => {
    const jwks = (await call(t.tokens.GetJwks.bind(t.tokens), {})) as GetJwksResponse__Output;
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
  });

  it('a prod token waits for a reviewer; AwaitApproval hands it to the planner only', async () => {
    const pending = await issue({ actions: ['db.query'], resource: prod, ttl_seconds: 300, executor: 'agent-7' });
    expect(pending.token).toBe('');
    expect(pending.approval_id).not.toBe('');
    expect(pending.reasons.join(' ')).toContain('tokens for prod need a reviewer');

    const plannerWait = awaitApproval(pending.approval_id, planner);
    const selfApproval = await callError(call(t.approvals.Approve.bind(t.approvals), { approval_id: pending.approval_id }, bearer(planner)));
    expect(selfApproval.code).toBe(grpc.status.PERMISSION_DENIED);
    const notReviewer = await callError(call(t.approvals.Approve.bind(t.approvals), { approval_id: pending.approval_id }, bearer(outsider)));
    expect(notReviewer.code).toBe(grpc.status.PERMISSION_DENIED);

    const listed = (await call(t.approvals.ListApprovals.bind(t.approvals), { status: 'APPROVAL_STATUS_PENDING' }, bearer(reviewer))) as ListApprovalsResponse__Output;
    expect(listed.approvals.map((a) => a.approval_id)).toContain(pending.approval_id);
    const hidden = (await call(t.approvals.ListApprovals.bind(t.approvals), {}, bearer(outsider))) as ListApprovalsResponse__Output;
    expect(hidden.approvals.map((a) => a.approval_id)).not.toContain(pending.approval_id);

    const approved = (await call(t.approvals.Approve.bind(t.approvals), { approval_id: pending.approval_id, comment: 'go' }, bearer(reviewer))) as ApproveResponse__Output;
    expect(approved.approval?.status).toBe('APPROVAL_STATUS_APPROVED');

    const messages = await plannerWait;
    const last = messages.at(-1)!;
    expect(last.final).toBe(true);
    expect(last.token).not.toBe('');
    expect((await decideWith(last.token, 'SELECT 1', 'prod-1', prod)).effect).toBe('EFFECT_ALLOW');

    const strangerView = await callError(awaitApproval(pending.approval_id, outsider));
    expect(strangerView.code).toBe(grpc.status.NOT_FOUND);
  });

  it('AwaitApproval answers only parties, reviewers and the holder of the capability', async () => {
    const issued = await issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300, executor: 'agent-7' });
    const held = await decideWith(issued.token, "DROP TABLE staging_copy -- password=hunter2-Secret", 'await-auth-1');
    expect(held.effect).toBe('EFFECT_REQUIRE_APPROVAL');
    expect(held.approval_capability).not.toBe('');

    // Neither an identity that may not view it, nor no identity at all, learns anything.
    const stranger = await callError(awaitApproval(held.approval_id, outsider));
    expect(stranger.code).toBe(grpc.status.NOT_FOUND);
    const anonymous = await callError(awaitApproval(held.approval_id));
    expect(anonymous.code).toBe(grpc.status.PERMISSION_DENIED);
    const unknown = await callError(awaitApproval('00000000-0000-4000-8000-000000000000'));
    expect(unknown.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(unknown.details).toBe(anonymous.details);
    const other = await decideWith(issued.token, 'DROP TABLE other_copy', 'await-auth-2');
    const borrowed = await callError(awaitApproval(held.approval_id, { capability: other.approval_capability }));
    expect(borrowed.code).toBe(grpc.status.PERMISSION_DENIED);
    const truncated = await callError(awaitApproval(held.approval_id, { capability: held.approval_capability.slice(0, -1) }));
    expect(truncated.code).toBe(grpc.status.PERMISSION_DENIED);

    // The data plane's capability: the outcome only, never the command text or its parties.
    const dataPlane = awaitApproval(held.approval_id, { capability: held.approval_capability });
    const viewed = (await call(t.approvals.GetApproval.bind(t.approvals), { approval_id: held.approval_id }, bearer(reviewer))) as GetApprovalResponse__Output;
    expect(viewed.approval!.text).toContain('[REDACTED]');
    expect(viewed.approval!.text).not.toContain('hunter2');
    expect(viewed.approval!.binding_hash).toBe('');
    await call(t.approvals.Deny.bind(t.approvals), { approval_id: held.approval_id, comment: 'no' }, bearer(reviewer));
    const messages = await dataPlane;
    expect(messages.at(-1)).toMatchObject({ final: true, approval: { status: 'APPROVAL_STATUS_DENIED', text: '', subject: '', reasons: [] } });
    expect(JSON.stringify(messages)).not.toContain('hunter2');
  });

  it('an identity claim with surrounding whitespace or a control character is not a credential', async () => {
    for (const sub of ['planner-1 ', ' planner-1', 'planner-1\n', 'planner-1\u0000', 'planner\u200b-1', 'planne\u0301r-1']) {
      const odd = await idp.token(sub, { groups: ['reviewers'] });
      const error = await callError(call(t.approvals.ListApprovals.bind(t.approvals), {}, bearer(odd)));
      expect(error.code, JSON.stringify(sub)).toBe(grpc.status.UNAUTHENTICATED);
      expect(error.details).toContain('claim sub');
    }
  });

  it('a DROP waits for approval; a window lets the same statement through naming the approval', async () => {
    const issued = await issue({ actions: ['db.query'], resource: dev, ttl_seconds: 300, executor: 'agent-7' });
    const held = await decideWith(issued.token, 'DROP TABLE audit_old', 'drop-1');
    expect(held.effect).toBe('EFFECT_REQUIRE_APPROVAL');
    expect(held.approval_id).not.toBe('');

    const waiting = awaitApproval(held.approval_id, { capability: held.approval_capability });
    const asExecutor = await idp.token('agent-7', { groups: ['reviewers'] });
    const error = await callError(call(t.approvals.Approve.bind(t.approvals), { approval_id: held.approval_id }, bearer(asExecutor)));
    expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(error.details).toContain('executor');

    await call(t.approvals.Approve.bind(t.approvals), { approval_id: held.approval_id, window_seconds: 600 }, bearer(reviewer));
    expect((await waiting).map((m) => m.approval?.status)).toEqual(['APPROVAL_STATUS_PENDING', 'APPROVAL_STATUS_APPROVED']);

    const again = await decideWith(issued.token, 'DROP TABLE audit_old', 'drop-2');
    expect(again.effect).toBe('EFFECT_ALLOW');
    expect(again.reasons.join(' ')).toContain(`approval:${held.approval_id}`);
    const other = await decideWith(issued.token, 'DROP TABLE users', 'drop-3');
    expect(other.effect).toBe('EFFECT_REQUIRE_APPROVAL');
  });

  it('every approval state change and token issue is in the audit trail, without raw tokens', () => {
    const lines = readFileSync(t.auditPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: { kind?: string } });
    const kinds = (type: string) => lines.filter((e) => e.type === type).map((e) => e.data.kind);
    expect(kinds('gatehouse.approval.v1')).toEqual(expect.arrayContaining(['requested', 'approved']));
    expect(kinds('gatehouse.token.v1')).toEqual(expect.arrayContaining(['issued', 'refused', 'revoked']));
    const text = readFileSync(t.auditPath, 'utf8');
    expect(text).not.toContain(planner.split('.')[2]);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20,}/);
  });
});
