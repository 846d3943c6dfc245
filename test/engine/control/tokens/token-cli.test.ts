import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../engine/control/state/memory-state-store.ts';
import { OidcTestIssuer } from './oidc-test-issuer.ts';
import { startTokenServer, type TokenTestServer } from './token-server-fixture.ts';

const BIN = resolve(import.meta.dirname, '../../../../bin/gatehouse');

let idp: OidcTestIssuer;
let t: TokenTestServer;
let planner: string;
let reviewer: string;

beforeAll(async () => {
  idp = await OidcTestIssuer.start();
  t = await startTokenServer(new MemoryStateStore(), idp);
  planner = await idp.token('planner-1', { groups: ['planners'] });
  reviewer = await idp.token('rita', { groups: ['reviewers'] });
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

function gatehouse(args: string[], oidcToken?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GATEHOUSE_OIDC_TOKEN;
  if (oidcToken) env.GATEHOUSE_OIDC_TOKEN = oidcToken;
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('gatehouse token / approvals CLI against a real service', () => {
  it('token issue prints the token; introspect shows its scope; revoke makes it inactive', async () => {
    const d = ['--decision', t.server.address];
    const issued = await gatehouse(
      ['token', 'issue', ...d, '--action', 'db.query', '--resource', 'Database:orders', '--resource-attr', 'env=dev', '--ttl', '5m', '--max-uses', '3', '--executor', 'agent-7', '--constraint', 'sqlKinds=select'],
      planner,
    );
    expect(issued.stderr).toMatch(/^gatehouse: token \S+ expires /);
    expect(issued.code).toBe(0);
    const token = issued.stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const shown = await gatehouse(['token', 'introspect', ...d, '--token', token, '--format', 'json'], planner);
    expect(shown.code).toBe(0);
    const view = JSON.parse(shown.stdout) as { tokenId: string; executor: string; constraints: unknown; maxUses: number };
    expect(view).toMatchObject({ executor: 'agent-7', constraints: { sqlKinds: ['select'] }, maxUses: 3 });

    const revoked = await gatehouse(['token', 'revoke', ...d, '--token-id', view.tokenId], planner);
    expect(revoked.code).toBe(0);
    const after = await gatehouse(['token', 'introspect', ...d, '--token', token, '--format', 'json'], planner);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ active: false, inactiveCheck: 'revoked' });
  });

  it('a prod token waits: issue exits 4 with the approval id; approvals approve; approvals wait exits 0', async () => {
    const d = ['--decision', t.server.address];
    const pending = await gatehouse(['token', 'issue', ...d, '--action', 'db.query', '--resource', 'Database:prod', '--resource-attr', 'env=prod', '--ttl', '5m'], planner);
    expect(pending.code).toBe(4);
    const id = /approval (\S+) pending/.exec(pending.stderr)![1]!;
    const listed = await gatehouse(['approvals', 'list', ...d], reviewer);
    expect(listed.stdout).toContain(id);
    const self = await gatehouse(['approvals', 'approve', id, ...d], planner);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/^gatehouse: permission denied: .*subject/);
    const approved = await gatehouse(['approvals', 'approve', id, ...d, '--comment', 'ok'], reviewer);
    expect(approved.code).toBe(0);
    const waited = await gatehouse(['approvals', 'wait', id, ...d], planner);
    expect(waited.code).toBe(0);
  });

  it('errors are one line: no identity, a bad flag, an unreachable service', async () => {
    const noIdentity = await gatehouse(['token', 'issue', '--decision', t.server.address, '--action', 'db.query', '--resource', 'Database:orders', '--ttl', '5m']);
    expect(noIdentity).toMatchObject({ code: 2, stderr: 'gatehouse: no caller identity: set GATEHOUSE_OIDC_TOKEN or --oidc-token-file [GATEHOUSE_USAGE]\n' });
    const badTtl = await gatehouse(['token', 'issue', '--decision', t.server.address, '--action', 'a', '--resource', 'Database:orders', '--ttl', 'soon'], planner);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr.trim().split('\n')).toHaveLength(1);
    const down = await gatehouse(['approvals', 'list', '--decision', '127.0.0.1:9', '--timeout', '5s'], reviewer);
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/^gatehouse: (cannot reach|the decision service)/);
  });
});
