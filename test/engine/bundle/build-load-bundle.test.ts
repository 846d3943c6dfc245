import { generateKeyPairSync } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundleArchive, writeBundleArchive } from '../../../engine/bundle/bundle-archive.ts';
import { BundleError } from '../../../engine/bundle/bundle-error.ts';
import { contentRevision, type GatehouseMetadata, parseManifest } from '../../../engine/bundle/bundle-manifest.ts';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { loadBundle } from '../../../engine/testing/load-self-tested-bundle.ts';
import { evaluateRequest } from '../../../engine/bundle/evaluate-request.ts';
import type { JsonObject } from '../../../engine/model/index.ts';
import type { DecisionInput } from '../../../engine/model/index.ts';
import type { PreparedBundle } from '../../../engine/bundle/prepared-bundle.ts';
import { bothEngines, FAILING_TESTS, GUARDRAILS_REGO, RBAC_CEDAR, tempDir, writePolicyDir } from './policy-fixtures.ts';

let work: string;
let bundlePath: string;
let bundle: PreparedBundle;

function request(groups: string[], statements: JsonObject[], overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    subject: { id: 'alice', groups },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
    context: { sql: { statements } },
    time: '2026-11-25T10:00:00Z',
    ...overrides,
  };
}

const select = (table: string): JsonObject => ({ kind: 'select', tables: [table], hasWhere: false });

beforeAll(async () => {
  work = await tempDir('bundle');
  const dir = await writePolicyDir(join(work, 'policy'), bothEngines());
  bundlePath = join(work, 'bundle.tar.gz');
  await buildBundle(dir, bundlePath);
  bundle = await loadBundle(bundlePath);
});

afterAll(async () => {
  bundle?.close();
  await rm(work, { recursive: true, force: true });
});

describe('build + load + evaluate with real opa-built bundles', () => {
  it('the tarball has the OPA layout and a Gatehouse manifest', async () => {
    const files = readBundleArchive(await readFile(bundlePath));
    expect([...files.keys()].sort()).toEqual(['.manifest', 'cedar/rbac.cedar', 'data.json', 'policy.wasm', 'tests/basic.yaml']);
    const manifest = parseManifest(files.get('.manifest'));
    expect(manifest).toMatchObject({
      roots: [''],
      wasm: [{ entrypoint: 'gatehouse/decision', module: '/policy.wasm' }],
      metadata: { gatehouse: { name: 'fixture', description: 'test policy', engines: ['rego', 'cedar'], entrypoint: 'gatehouse/decision' } },
    });
    expect(manifest.revision).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.revision).toBe(manifest.revision);
    expect(bundle.requiredEngines).toEqual(['rego', 'cedar']);
    expect([...bundle.decisionTests.keys()]).toEqual(['tests/basic.yaml']);
  });

  it('dba selecting orders → allow from both engines', () => {
    const decision = evaluateRequest(bundle, request(['dba'], [select('orders')]));
    expect(decision.effect).toBe('allow');
    expect(decision.engines.map((e) => [e.engine, e.effect])).toEqual([['rego', 'allow'], ['cedar', 'allow']]);
    expect(decision.engines.find((e) => e.engine === 'cedar')?.determining).toContain('dba-can-query');
  });

  it('DELETE without WHERE → deny with the Rego reason', () => {
    const decision = evaluateRequest(bundle, request(['dba'], [{ kind: 'delete', tables: ['orders'], hasWhere: false }]));
    expect(decision.effect).toBe('deny');
    expect(decision.reasons.some((r) => r.startsWith('rego:') && r.includes('DELETE without WHERE'))).toBe(true);
  });

  it('DROP → require_approval', () => {
    expect(evaluateRequest(bundle, request(['dba'], [{ kind: 'drop', tables: ['orders'], hasWhere: false }])).effect).toBe('require_approval');
  });

  it('select from users → allow with mask obligation', () => {
    const decision = evaluateRequest(bundle, request(['dba'], [select('users')]));
    expect(decision.effect).toBe('allow');
    expect(decision.obligations).toEqual({ mask: ['email'] });
  });

  it('Cedar forbid beats Rego allow → deny naming the Cedar policy', () => {
    const decision = evaluateRequest(bundle, request(['dba', 'intern'], [select('orders')]));
    expect(decision.engines.find((e) => e.engine === 'rego')?.effect).toBe('allow');
    expect(decision.effect).toBe('deny');
    expect(decision.reasons.join('\n')).toContain('no-prod-for-interns');
  });

  it('no Cedar permit (not a dba) → deny', () => {
    expect(evaluateRequest(bundle, request(['sales'], [select('orders')])).effect).toBe('deny');
  });

  it('undefined Rego decision → deny', () => {
    const decision = evaluateRequest(bundle, request(['dba'], [select('orders')], { action: 'unknown.action' }));
    expect(decision.engines.find((e) => e.engine === 'rego')?.effect).toBe('deny');
    expect(decision.effect).toBe('deny');
  });

  it('raw SQL text: facts are computed by the engine, not taken from the caller', () => {
    const input = request(['dba'], [select('orders')]);
    input.context = { sql: { text: 'DELETE FROM orders', statements: [select('orders')] } };
    expect(evaluateRequest(bundle, input).effect).toBe('deny');
  });

  it('SQL that does not parse → deny with a facts reason', () => {
    const input = request(['dba'], []);
    input.context = { sql: { text: 'SELEKT * FRM orders' } };
    const decision = evaluateRequest(bundle, input);
    expect(decision.effect).toBe('deny');
  });

  it('a closed bundle denies', async () => {
    const other = await loadBundle(bundlePath);
    other.close();
    expect(other.evaluate(request(['dba'], [select('orders')])).effect).toBe('deny');
  });
});

describe('determinism', () => {
  it('the same sources built twice → same revision and identical bytes', async () => {
    const dir = await writePolicyDir(join(work, 'again'), bothEngines());
    const a = await buildBundle(dir, join(work, 'a.tar.gz'));
    const b = await buildBundle(dir, join(work, 'b.tar.gz'));
    expect(a.revision).toBe(b.revision);
    expect(Buffer.compare(await readFile(join(work, 'a.tar.gz')), await readFile(join(work, 'b.tar.gz')))).toBe(0);
  });

  it('the same sources in two checkouts (different paths, same gatehouse.yaml) → the same revision (regression: opa embedded absolute paths)', async () => {
    const files = { ...bothEngines(), 'gatehouse.yaml': 'name: same\nengines: [rego, cedar]\n' };
    const first = await writePolicyDir(join(work, 'checkout-one', 'policy'), files);
    const second = await writePolicyDir(join(work, 'somewhere', 'else', 'policy'), files);
    const a = await buildBundle(first, join(work, 'one.tar.gz'));
    const b = await buildBundle(second, join(work, 'two.tar.gz'));
    expect(a.revision).toBe(b.revision);
  });

  it('a one-character policy change → a different revision', async () => {
    const dir = await writePolicyDir(join(work, 'changed'), bothEngines({ 'rbac.cedar': RBAC_CEDAR.replace('"dba"', '"dbas"') }));
    const changed = await buildBundle(dir, join(work, 'changed.tar.gz'));
    expect(changed.revision).not.toBe(bundle.revision);
  });
});

describe('required engines', () => {
  it('engines [rego, cedar] with no Cedar files → build error naming cedar', async () => {
    const files = bothEngines();
    delete files['rbac.cedar'];
    const dir = await writePolicyDir(join(work, 'no-cedar'), files);
    await expect(buildBundle(dir, join(work, 'no-cedar.tar.gz'))).rejects.toThrow(/required engine 'cedar' has no policies/);
  });

  it('a bundle whose manifest requires an engine it has no policies for → load error', async () => {
    const dir = await writePolicyDir(join(work, 'rego-only'), { 'guardrails.rego': GUARDRAILS_REGO });
    const path = join(work, 'rego-only.tar.gz');
    await buildBundle(dir, path);
    const files = readBundleArchive(await readFile(path));
    const manifest = parseManifest(files.get('.manifest'));
    const gatehouse: GatehouseMetadata = { ...manifest.metadata.gatehouse, engines: ['rego', 'cedar'] };
    const forged = { ...manifest, revision: contentRevision(files, gatehouse), metadata: { gatehouse } };
    files.set('.manifest', new TextEncoder().encode(JSON.stringify(forged)));
    await writeFile(path, writeBundleArchive(files));
    await expect(loadBundle(path)).rejects.toThrow(/required engine 'cedar' has no policies in the bundle/);
  });

  it('no gatehouse.yaml → the engines whose files are present are required', async () => {
    const dir = await writePolicyDir(join(work, 'implicit'), { 'guardrails.rego': GUARDRAILS_REGO });
    const built = await buildBundle(dir, join(work, 'implicit.tar.gz'));
    expect(built.manifest.metadata.gatehouse.engines).toEqual(['rego']);
    const loaded = await loadBundle(join(work, 'implicit.tar.gz'));
    try {
      expect(evaluateRequest(loaded, request([], [select('orders')])).effect).toBe('allow');
    } finally {
      loaded.close();
    }
  });
});

describe('policy errors at build', () => {
  it('a Rego syntax error → BundleError with file and line', async () => {
    const dir = await writePolicyDir(join(work, 'bad-rego'), bothEngines({ 'guardrails.rego': 'package gatehouse\n\ndecision := {\n' }));
    const error = await buildBundle(dir, join(work, 'bad-rego.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).message).toMatch(/guardrails\.rego:\d+/);
  });

  it('a Cedar syntax error → BundleError with file and line', async () => {
    const dir = await writePolicyDir(join(work, 'bad-cedar'), bothEngines({ 'rbac.cedar': 'permit (principal, action, resource)\n when { ; };\n' }));
    await expect(buildBundle(dir, join(work, 'bad-cedar.tar.gz'))).rejects.toThrow(/rbac\.cedar:\d+/);
  });

  it('a decision test file that does not parse → BundleError naming it', async () => {
    const dir = await writePolicyDir(join(work, 'bad-test'), bothEngines({ 'tests/broken.yaml': 'cases: [ {name: x\n' }));
    await expect(buildBundle(dir, join(work, 'bad-test.tar.gz'))).rejects.toThrow(/tests\/broken\.yaml/);
  });
});

describe('loading refuses bad bundles (never activated)', () => {
  let keys: { privatePem: string; publicPem: string };

  beforeAll(async () => {
    const pair = generateKeyPairSync('ed25519');
    keys = { privatePem: join(work, 'signing.pem'), publicPem: join(work, 'verify.pem') };
    await writeFile(keys.privatePem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(keys.publicPem, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  });

  it('signed bundle + matching verification key → loads', async () => {
    const dir = await writePolicyDir(join(work, 'signed'), bothEngines());
    const built = await buildBundle(dir, join(work, 'signed.tar.gz'), { signingKey: keys.privatePem });
    expect(built.files).toContain('.signatures.json');
    const loaded = await loadBundle(join(work, 'signed.tar.gz'), { verificationKey: keys.publicPem });
    expect(loaded.revision).toBe(built.revision);
    loaded.close();
  });

  it('signed bundle with a Cedar file changed afterwards → refused', async () => {
    const files = readBundleArchive(await readFile(join(work, 'signed.tar.gz')));
    files.set('cedar/rbac.cedar', new TextEncoder().encode('permit (principal, action, resource);\n'));
    await writeFile(join(work, 'tampered.tar.gz'), writeBundleArchive(files));
    await expect(loadBundle(join(work, 'tampered.tar.gz'), { verificationKey: keys.publicPem })).rejects.toThrow(/cedar\/rbac\.cedar does not match its signed digest/);
    // Without a key the content-derived revision still gives the edit away.
    await expect(loadBundle(join(work, 'tampered.tar.gz'))).rejects.toThrow(/does not match the bundle's content/);
  });

  it('unsigned bundle with a verification key set → refused', async () => {
    await expect(loadBundle(bundlePath, { verificationKey: keys.publicPem })).rejects.toThrow(/not signed/);
  });

  it('a corrupt tarball → BundleError', async () => {
    const path = join(work, 'corrupt.tar.gz');
    const bytes = await readFile(bundlePath);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(loadBundle(path)).rejects.toBeInstanceOf(BundleError);
  });

  it('a file that does not exist → BundleError', async () => {
    await expect(loadBundle(join(work, 'missing.tar.gz'))).rejects.toThrow(/cannot read bundle .*ENOENT/);
  });

  it('a bundle whose own decision tests fail → refused naming the case', async () => {
    const dir = await writePolicyDir(join(work, 'failing'), bothEngines({ 'tests/basic.yaml': FAILING_TESTS }));
    await buildBundle(dir, join(work, 'failing.tar.gz'));
    await expect(loadBundle(join(work, 'failing.tar.gz'))).rejects.toThrow(/tests\/basic\.yaml.*select is denied \(wrong on purpose\)/);
    const unchecked = await loadBundle(join(work, 'failing.tar.gz'), { runOwnTests: false });
    unchecked.close();
  });

  it('a stray file added to the tarball → refused', async () => {
    const files = readBundleArchive(await readFile(bundlePath));
    files.set('extra.rego', new TextEncoder().encode('package gatehouse\n'));
    await writeFile(join(work, 'stray.tar.gz'), writeBundleArchive(files));
    await expect(loadBundle(join(work, 'stray.tar.gz'))).rejects.toThrow(/unexpected file extra\.rego/);
  });
});
