import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../engine/model/index.ts';
import { jsonToStruct } from '../../../proto/struct-json.ts';
import { buildFixtureBundle, decide, startTestServer, type TestServer } from './service-fixture.ts';

// A Cedar-only bundle with a schema and an entities.json whose references are in the plain
// {"type", "id"} form, served over real gRPC: the answers issue 17 found wrong.

const POLICY = {
  'gatehouse.yaml': 'name: cedar-decide\nengines: [cedar]\n',
  'schema.cedarschema': `entity User;
entity Account { owner: User };
entity Photo { account: Account, net?: ipaddr };
action view appliesTo { principal: User, resource: Photo, context: { source?: ipaddr, amount?: decimal } };
action audit appliesTo { principal: User, resource: Photo, context: { source?: ipaddr, count?: Long } };
`,
  'entities.json': JSON.stringify([
    { uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [] },
    { uid: { type: 'Account', id: 'alices' }, attrs: { owner: { type: 'User', id: 'alice' } }, parents: [] },
    { uid: { type: 'Photo', id: 'beach.jpg' }, attrs: { account: { type: 'Account', id: 'alices' }, net: '10.0.0.0/8' }, parents: [] },
  ]),
  'photos.cedar': `@id("owner-views")
permit (principal, action == Action::"view", resource is Photo) when { resource.account.owner == principal };

@id("internal-only")
@reason("photos are viewed from the internal network only")
forbid (principal, action == Action::"view", resource is Photo)
when { context has source && resource has net } unless { context.source.isInRange(resource.net) };

@id("small-amounts")
forbid (principal, action == Action::"view", resource) when { context has amount && context.amount.greaterThan(decimal("100.0")) };

@id("audit-count")
permit (principal, action == Action::"audit", resource) when { context has count && context.count > 0 };

@id("broken")
permit (principal, action == Action::"audit", resource) when { context has count && context.count + 9223372036854775807 > 0 };
`,
};

let work: string;
let server: TestServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-cedar-decide-'));
  const bundle = join(work, 'bundle.tar.gz');
  await buildFixtureBundle(work, 'policy', POLICY, bundle);
  server = await startTestServer(work, bundle);
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function ask(subject: string, action: string, context: JsonObject = {}, attributes: JsonObject = {}) {
  return decide(server.client, {
    subject: { id: subject },
    action,
    resource: { type: 'Photo', id: 'beach.jpg', attributes: jsonToStruct(attributes) },
    context: jsonToStruct(context),
  });
}

describe('Cedar decisions over gRPC Decide', () => {
  it('reads entities.json references with the schema at evaluation as at build (owner allowed, others denied)', async () => {
    expect((await ask('alice', 'view')).effect).toBe('EFFECT_ALLOW');
    const bob = await ask('bob', 'view');
    expect(bob.effect).toBe('EFFECT_DENY');
    expect(bob.reasons).toEqual(['cedar: no permit policy matched (default deny)']);
  });

  it('accepts extension values in context in Cedar JSON form, and schema-typed strings', async () => {
    const inside = { source: { __extn: { fn: 'ip', arg: '10.1.2.3' } } };
    expect((await ask('alice', 'view', inside)).effect).toBe('EFFECT_ALLOW');
    const outside = await ask('alice', 'view', { source: '192.168.1.1' });
    expect(outside.effect).toBe('EFFECT_DENY');
    expect(outside.reasons).toEqual(['cedar:internal-only: photos are viewed from the internal network only']);
    const large = await ask('alice', 'view', { amount: { __extn: { fn: 'decimal', arg: '250.5' } } });
    expect(large.reasons).toEqual(['cedar:small-amounts: forbidden']);
  });

  it('lists each Cedar evaluation error once in reasons', async () => {
    const answer = await ask('alice', 'audit', { count: 1 });
    expect(answer.effect).toBe('EFFECT_DENY');
    expect(answer.reasons).toHaveLength(1);
    expect(answer.reasons[0]).toMatch(/^cedar:broken: evaluation error: integer overflow/);
  });

  it('denies, naming the value and the limit, for an integer a request cannot carry exactly', async () => {
    const answer = await ask('alice', 'audit', { count: 2 ** 60 });
    expect(answer.effect).toBe('EFFECT_DENY');
    expect(answer.reasons).toEqual([`cedar: evaluation failed: context.count: ${2 ** 60} is beyond ±9007199254740991, beyond which a JSON number in a request is no longer exact`]);
  });
});
