import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPolicyDir } from '../../../engine/bundle/policy-dir.ts';

let dir: string;

async function put(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-dir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readPolicyDir', () => {
  it('no gatehouse.yaml → required engines are those with files; *_test.rego kept apart', async () => {
    await put({ 'a.rego': 'package gatehouse', 'a_test.rego': 'package gatehouse_test', 'lib/b.rego': 'package lib', 'tests/t.yaml': 'cases: []' });
    const policy = await readPolicyDir(dir);
    expect(policy.requiredEngines).toEqual(['rego']);
    expect(policy.rego.map((f) => f.file)).toEqual(['a.rego', 'lib/b.rego']);
    expect(policy.regoTests.map((f) => f.file)).toEqual(['a_test.rego']);
    expect(policy.tests.map((f) => f.file)).toEqual(['tests/t.yaml']);
    expect(policy.entrypoint).toBe('gatehouse/decision');
  });

  it('gatehouse.yaml engines, name and entrypoint are honoured', async () => {
    await put({ 'gatehouse.yaml': 'name: prod\ndescription: d\nengines: [cedar, rego]\nentrypoint: acme/decide\n', 'x.cedar': 'permit(principal,action,resource);' });
    const policy = await readPolicyDir(dir);
    expect(policy).toMatchObject({ name: 'prod', description: 'd', requiredEngines: ['cedar', 'rego'], entrypoint: 'acme/decide' });
  });

  it('an unknown engine in gatehouse.yaml → BundleError naming the file', async () => {
    await put({ 'gatehouse.yaml': 'engines: [rego, xacml]\n' });
    await expect(readPolicyDir(dir)).rejects.toThrow(/gatehouse.yaml: unknown engine 'xacml'/);
  });

  it('a misspelt key in gatehouse.yaml → BundleError', async () => {
    await put({ 'gatehouse.yaml': 'engine: [rego]\n' });
    await expect(readPolicyDir(dir)).rejects.toThrow(/unknown key 'engine'/);
  });

  it('broken YAML → BundleError with the line', async () => {
    await put({ 'gatehouse.yaml': 'name: a\nengines: [rego\n' });
    await expect(readPolicyDir(dir)).rejects.toThrow(/gatehouse.yaml:\d+:/);
  });

  it('data.json that is not an object → BundleError', async () => {
    await put({ 'data.json': '[1]', 'a.rego': 'package gatehouse' });
    await expect(readPolicyDir(dir)).rejects.toThrow(/data.json: must be a JSON object/);
  });

  it('a directory that does not exist → BundleError', async () => {
    await expect(readPolicyDir(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
  });
});
