import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { startTestServer, type TestServer } from './service-fixture.ts';

// docs/api.md promises that its examples work when pasted against `npm start` (the shipped
// policy/ on 127.0.0.1:50051): this runs them against the shipped policy on a free port.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const DOC_ADDRESS = '127.0.0.1:50051';

function docBlock(marker: string, language: string): string {
  const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const at = doc.indexOf(`<!-- ${marker}`);
  expect(at, `docs/api.md has no <!-- ${marker}`).toBeGreaterThan(-1);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(doc.slice(at));
  expect(match).not.toBeNull();
  return match![1]!;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    ),
  );
}

let work: string;
let server: TestServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-api-doc-'));
  const bundle = join(work, 'bundle.tar.gz');
  await buildBundle(join(ROOT, 'policy'), bundle);
  server = await startTestServer(work, bundle);
}, 300_000);
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('docs/api.md', () => {
  it('the decide.mjs example, run from the repository root, prints what the page shows (other ids)', async () => {
    // Inside the repository so that its imports resolve from node_modules, as for a user.
    const dir = join(ROOT, 'var', 'doc-examples');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, `decide-${process.pid}.mjs`);
    writeFileSync(script, docBlock('example: decide.mjs', 'js'));
    try {
      const printed = JSON.parse(await run(process.execPath, [script], { GATEHOUSE_DECISION: server.server.address })) as Record<string, unknown>;
      const shown = JSON.parse(docBlock('output: decide.mjs', 'json')) as Record<string, unknown>;
      expect(Object.keys(printed).sort()).toEqual(Object.keys(shown).sort());
      for (const dynamic of ['decision_id', 'request_id']) expect(printed[dynamic]).toMatch(/^[0-9a-f-]{36}$/);
      expect(printed.policy_revision).toMatch(/^[0-9a-f]{64}$/);
      const stable = (answer: Record<string, unknown>) => ({ ...answer, decision_id: undefined, request_id: undefined, policy_revision: undefined });
      expect(stable(printed)).toEqual(stable(shown));
    } finally {
      rmSync(script, { force: true });
    }
  });

  it('the grpcurl commands work as shown (the address is the test server instead of 127.0.0.1:50051)', async () => {
    const block = docBlock('example: grpcurl.sh', 'sh');
    expect(block).toContain(DOC_ADDRESS);
    const output = await run('bash', ['-euo', 'pipefail', '-c', block.replaceAll(DOC_ADDRESS, server.server.address)]);
    expect(output).toContain('gatehouse.v1.DecisionService\n');
    expect(output).toContain('grpc.health.v1.Health\n');
    expect(output).toMatch(/gatehouse\.v1\.DecideRequest is a message:/);
    expect(output).toContain('"status": "SERVING"');
    expect(output).toMatch(/"effect": "EFFECT_ALLOW"/);
  });
});
