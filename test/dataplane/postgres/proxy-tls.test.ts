import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';

let h: ProxyHarness;
let token: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-pgproxy-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const tls = createSecureContext({ cert: await readFile(join(dir, 'cert.pem')), key: await readFile(join(dir, 'key.pem')) });
  h = await startProxyHarness({ tls });
  token = await h.issue();
});

afterAll(async () => {
  await h?.close();
});

function psql(sslmode: string, sql: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      '/usr/bin/psql',
      ['-X', '-A', '-t', `host=${h.host} port=${h.port} dbname=${h.database} user=planner sslmode=${sslmode}`, '-c', sql],
      { env: { PATH: process.env.PATH ?? '', PGPASSWORD: token }, timeout: 30_000 },
      (error, stdout, stderr) => done({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}

describe('TLS through SSLRequest', () => {
  it('psql with sslmode=require gets TLS and its query runs', async () => {
    const run = await psql('require', 'SELECT ssl FROM (VALUES (true)) v(ssl)');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('t');
  });

  it('psql with sslmode=disable on loopback still works', async () => {
    const run = await psql('disable', 'SELECT 5');
    expect(run.stdout.trim()).toBe('5');
  });
});
