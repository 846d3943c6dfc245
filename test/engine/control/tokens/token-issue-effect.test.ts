import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalManager } from '../../../../engine/control/approvals/approval-manager.ts';
import { OidcVerifier } from '../../../../engine/control/identity/oidc-verifier.ts';
import type { Decision, Effect } from '../../../../engine/model/index.ts';
import { tokenServiceHandlers } from '../../../../engine/server/token-service.ts';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { openTokenAuthority } from '../../../../engine/control/tokens/token-authority.ts';
import { CollectingAuditSink } from '../approvals/approval-fixture.ts';
import { OidcTestIssuer } from './oidc-test-issuer.ts';

// IssueToken with a policy answer outside the contract (a bug in a decider or engine): the
// handler must refuse, never mint.

let idp: OidcTestIssuer;

beforeAll(async () => {
  idp = await OidcTestIssuer.start();
});
afterAll(async () => {
  await idp?.close();
});

async function issueWith(effect: Effect): Promise<{ error: Partial<grpc.StatusObject> | null; response: unknown; issued: number }> {
  const store = new MemoryStateStore();
  const audit = new CollectingAuditSink();
  const authority = await openTokenAuthority({ store });
  const decide = async (): Promise<Decision> => ({ effect, reasons: [], obligations: {}, engines: [] });
  const handlers = tokenServiceHandlers({
    authority,
    store,
    approvals: new ApprovalManager({ store, audit, decide }),
    audit,
    oidc: new OidcVerifier({ issuer: idp.issuer, audience: idp.audience }),
    decide,
  });
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${await idp.token('planner-1', { groups: ['planners'] })}`);
  const request = { actions: ['db.query'], resource: { type: 'Database', id: 'orders' }, ttl_seconds: 60, max_uses: 0, executor: '', constraints: null };
  const result = await new Promise<{ error: Partial<grpc.StatusObject> | null; response: unknown }>((resolve) => {
    const unary = handlers.IssueToken as unknown as (call: unknown, callback: (error: Partial<grpc.StatusObject> | null, response?: unknown) => void) => void;
    unary({ metadata, request }, (error, response) => resolve({ error, response }));
  });
  authority.close();
  return { ...result, issued: audit.events.filter((e) => e.type === 'gatehouse.token.v1' && e.data.kind === 'issued').length };
}

describe('IssueToken policy effect', () => {
  it('an unknown effect from policy (EFFECT_UNSPECIFIED) is refused and mints no token', async () => {
    const { error, response, issued } = await issueWith('EFFECT_UNSPECIFIED' as Effect);
    expect(error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(response).toBeUndefined();
    expect(issued).toBe(0);
  });

  it('an allow from policy mints the token', async () => {
    const { error, response, issued } = await issueWith('allow');
    expect(error).toBeNull();
    expect(response).toMatchObject({ token: expect.any(String) });
    expect(issued).toBe(1);
  });
});
