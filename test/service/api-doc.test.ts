import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_POLICY, buildFixtureBundle, startTestServer, type TestServer } from './service-fixture.ts';

// docs/api.md promises that its Node client script works when pasted; this runs it.
const ROOT = join(import.meta.dirname, '..', '..');

function docExample(name: string): string {
  const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const marker = doc.indexOf(`<!-- example: ${name}`);
  expect(marker, `docs/api.md has no example ${name}`).toBeGreaterThan(-1);
  const match = /```js\n([\s\S]*?)```/.exec(doc.slice(marker));
  expect(match).not.toBeNull();
  return match![1];
}

let work: string;
let server: TestServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-api-doc-'));
  const bundle = join(work, 'bundle.tar.gz');
  await buildFixtureBundle(work, 'policy', BASE_POLICY, bundle);
  server = await startTestServer(work, bundle);
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('docs/api.md', () => {
  it('the decide.mjs example, run from the repository root, prints an allow with the mask obligation', async () => {
    // Inside the repository so that its imports resolve from node_modules, as for a user.
    const dir = join(ROOT, 'var', 'doc-examples');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, `decide-${process.pid}.mjs`);
    writeFileSync(script, docExample('decide.mjs'));
    try {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [script], { cwd: ROOT, env: { ...process.env, GATEHOUSE_DECISION: server.server.address } }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      );
      const printed = JSON.parse(stdout) as { effect: string; obligations: unknown; reasons: string[] };
      expect(printed.effect).toBe('EFFECT_ALLOW');
      expect(printed.obligations).toEqual({ mask: ['email'] });
      expect(printed.reasons).toContain('rego:gatehouse/decision: dev reads');
    } finally {
      rmSync(script, { force: true });
    }
  });
});
