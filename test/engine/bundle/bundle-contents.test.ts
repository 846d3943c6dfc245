import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundleArchive } from '../../../engine/bundle/bundle-archive.ts';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { loadBundle } from '../../../engine/testing/load-self-tested-bundle.ts';
import { evaluateRequest } from '../../../engine/bundle/evaluate-request.ts';
import type { DecisionInput } from '../../../engine/model/index.ts';
import { tempDir, writePolicyDir } from './policy-fixtures.ts';

let work: string;

beforeAll(async () => {
  work = await tempDir('contents');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function query(subject: DecisionInput['subject'], table: string): DecisionInput {
  return {
    subject,
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } },
    context: { sql: { text: `SELECT id FROM ${table}` } },
    time: '2026-11-25T10:00:00Z',
  };
}

const SCHEMA = `entity Group;
entity User in [Group];
entity Database { env?: String };
action "db.query" appliesTo { principal: [User], resource: [Database] };
`;

describe('Cedar-only bundle with schema and entities', () => {
  it('group membership from entities.json reaches the decision; no policy.wasm is written', async () => {
    const dir = await writePolicyDir(join(work, 'cedar-only'), {
      'rbac.cedar': '@id("dba-query")\npermit (principal in Group::"dba", action == Action::"db.query", resource is Database);\n',
      'schema.cedarschema': SCHEMA,
      'entities.json': JSON.stringify([{ uid: { type: 'User', id: 'carol' }, attrs: {}, parents: [{ type: 'Group', id: 'dba' }] }]),
    });
    const path = join(work, 'cedar-only.tar.gz');
    const built = await buildBundle(dir, path);
    expect(built.manifest.metadata.gatehouse.engines).toEqual(['cedar']);
    expect(built.manifest.wasm).toEqual([]);
    expect(built.files).toEqual(['.manifest', 'cedar/entities.json', 'cedar/rbac.cedar', 'cedar/schema.cedarschema', 'data.json']);

    const bundle = await loadBundle(path);
    try {
      // carol has no groups in the request; entities.json makes her a dba.
      expect(evaluateRequest(bundle, query({ id: 'carol' }, 'orders')).effect).toBe('allow');
      expect(evaluateRequest(bundle, query({ id: 'dave' }, 'orders')).effect).toBe('deny');
    } finally {
      bundle.close();
    }
  });

  it('a policy that does not validate against the schema → build error naming the policy file', async () => {
    const dir = await writePolicyDir(join(work, 'bad-schema'), {
      'rbac.cedar': 'permit (principal, action == Action::"db.query", resource is Database)\nwhen { resource.owner == "x" };\n',
      'schema.cedarschema': SCHEMA,
    });
    await expect(buildBundle(dir, join(work, 'bad-schema.tar.gz'))).rejects.toThrow(/rbac\.cedar:\d+/);
  });
});

describe('Rego data', () => {
  it('data.json of the policy directory is compiled in and seen by the policy', async () => {
    const dir = await writePolicyDir(join(work, 'with-data'), {
      'tables.rego': `package gatehouse

decision := {"effect": "allow"} if {
	every s in input.context.sql.statements {
		every t in s.tables { t in data.allowed_tables }
	}
} else := {"effect": "deny", "reasons": ["table not allowed"]}
`,
      'data.json': JSON.stringify({ allowed_tables: ['orders'] }),
    });
    const path = join(work, 'with-data.tar.gz');
    await buildBundle(dir, path);
    expect(JSON.parse(Buffer.from(readBundleArchive(await readFile(path)).get('data.json')!).toString())).toEqual({ allowed_tables: ['orders'] });
    const bundle = await loadBundle(path);
    try {
      expect(evaluateRequest(bundle, query({ id: 'a' }, 'orders')).effect).toBe('allow');
      const denied = evaluateRequest(bundle, query({ id: 'a' }, 'users'));
      expect(denied.effect).toBe('deny');
      expect(denied.reasons).toContain('rego:gatehouse/decision: table not allowed');
    } finally {
      bundle.close();
    }
  });

  it('an entrypoint override in gatehouse.yaml is compiled and recorded', async () => {
    const dir = await writePolicyDir(join(work, 'entrypoint'), {
      'gatehouse.yaml': 'entrypoint: acme/decide\n',
      'acme.rego': 'package acme\n\ndecide := {"effect": "require_approval", "reasons": ["always ask"]}\n',
    });
    const path = join(work, 'entrypoint.tar.gz');
    const built = await buildBundle(dir, path);
    expect(built.manifest.wasm).toEqual([{ entrypoint: 'acme/decide', module: '/policy.wasm' }]);
    const bundle = await loadBundle(path);
    try {
      expect(evaluateRequest(bundle, query({ id: 'a' }, 'orders')).effect).toBe('require_approval');
    } finally {
      bundle.close();
    }
  });

  it('Rego and Cedar files with engines: [cedar] → build error (they would never run)', async () => {
    const dir = await writePolicyDir(join(work, 'unlisted'), {
      'gatehouse.yaml': 'engines: [cedar]\n',
      'a.rego': 'package gatehouse\n\ndecision := {"effect": "deny"}\n',
      'b.cedar': 'permit (principal, action, resource);\n',
    });
    await expect(buildBundle(dir, join(work, 'unlisted.tar.gz'))).rejects.toThrow(/rego policies are present but gatehouse.yaml engines does not list 'rego'/);
  });
});
