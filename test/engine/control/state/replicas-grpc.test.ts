import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../engine/model/index.ts';
import { jsonToStruct } from '../../../../proto/struct-json.ts';
import { createStateStore } from '../../../../engine/control/state/create-state-store.ts';
import type { StateStore } from '../../../../engine/control/state/state-store.ts';
import type { AwaitApprovalResponse__Output } from '../../../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import type { DecideResponse__Output } from '../../../../proto/generated/gatehouse/v1/DecideResponse.ts';
import type { IssueTokenResponse__Output } from '../../../../proto/generated/gatehouse/v1/IssueTokenResponse.ts';
import { OidcTestIssuer } from '../tokens/oidc-test-issuer.ts';
import { bearer, call, startTokenServer, type TokenTestServer } from '../tokens/token-server-fixture.ts';
import { createTestDatabase } from './postgres-test-database.ts';

let idp: OidcTestIssuer;
let database: { url: string; drop(): Promise<void> };
const stores: StateStore[] = [];
let a: TokenTestServer;
let b: TokenTestServer;

beforeAll(async () => {
  idp = await OidcTestIssuer.start();
  database = await createTestDatabase('gh_replicas');
  const env = { GATEHOUSE_KEK: randomBytes(32).toString('hex') };
  for (let i = 0; i < 2; i++) stores.push(await createStateStore(database.url));
  a = await startTokenServer(stores[0]!, idp, { env });
  b = await startTokenServer(stores[1]!, idp, { env });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const store of stores) await store.close();
  await database?.drop();
  await idp?.close();
});

const dev = { type: 'Database', id: 'orders', attributes: jsonToStruct({ env: 'dev' }) };
const prod = { type: 'Database', id: 'prod', attributes: jsonToStruct({ env: 'prod' }) };

describe('two gatehouse replicas on one PostgreSQL (gRPC)', () => {
  it('a prod token approved on replica A is delivered by AwaitApproval on replica B', async () => {
    const planner = await idp.token('planner-1', { groups: ['planners'] });
    const reviewer = await idp.token('rita', { groups: ['reviewers'] });
    const pending = (await call(a.tokens.IssueToken.bind(a.tokens), { actions: ['db.query'], resource: prod, ttl_seconds: 300 }, bearer(planner))) as IssueTokenResponse__Output;
    expect(pending.approval_id).not.toBe('');
    const messages: AwaitApprovalResponse__Output[] = [];
    const waiting = new Promise<void>((resolve, reject) => {
      const stream = b.approvals.AwaitApproval({ approval_id: pending.approval_id }, bearer(planner));
      stream.on('data', (m: AwaitApprovalResponse__Output) => messages.push(m));
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    await expect.poll(() => messages.length).toBe(1);
    await call(a.approvals.Approve.bind(a.approvals), { approval_id: pending.approval_id }, bearer(reviewer));
    await waiting;
    const last = messages.at(-1)!;
    expect(last.approval?.status).toBe('APPROVAL_STATUS_APPROVED');
    expect(last.token).not.toBe('');
  });

  it('a 3-use token redeemed concurrently across both replicas is allowed exactly 3 times', async () => {
    const planner = await idp.token('planner-2', { groups: ['planners'] });
    const issued = (await call(a.tokens.IssueToken.bind(a.tokens), { actions: ['db.query'], resource: dev, ttl_seconds: 300, max_uses: 3 }, bearer(planner))) as IssueTokenResponse__Output;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call((i % 2 ? a : b).decision.Decide.bind((i % 2 ? a : b).decision), {
          action: 'db.query',
          resource: dev,
          context: jsonToStruct({ sql: { text: 'SELECT 1' } } as JsonObject),
          token: issued.token,
          request_id: `r-${i}`,
        }, new grpc.Metadata()) as Promise<DecideResponse__Output>,
      ),
    );
    expect(answers.filter((r) => r.effect === 'EFFECT_ALLOW')).toHaveLength(3);
    expect(answers.filter((r) => r.effect === 'EFFECT_DENY').every((r) => r.reasons[0]!.startsWith('token:uses:'))).toBe(true);
  });
});
