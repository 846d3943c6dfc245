import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import pg from 'pg';
import { waitForActiveStatement } from './active-statement.ts';

const PSQL = '/usr/bin/psql';

let h: ProxyHarness;
let token: string;

beforeAll(async () => {
  h = await startProxyHarness();
  token = await h.issue();
});

afterAll(async () => {
  await h?.close();
});

interface PsqlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Real psql through the proxy: token as PGPASSWORD, errors do not stop the script. */
function psql(sql: string, options: { password?: string; database?: string; env?: Record<string, string> } = {}): Promise<PsqlRun> {
  return new Promise((resolve) => {
    execFile(
      PSQL,
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=0', '-h', h.host, '-p', String(h.port), '-U', 'planner', '-d', options.database ?? h.database, '-c', sql],
      { env: { PATH: process.env.PATH ?? '', PGPASSWORD: options.password ?? token, PGCONNECT_TIMEOUT: '10', ...options.env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Several statements in one psql session, each its own simple Query. */
function psqlScript(statements: string[], options: { password?: string } = {}): Promise<PsqlRun> {
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=0', '-h', h.host, '-p', String(h.port), '-U', 'planner', '-d', h.database];
  for (const s of statements) args.push('-c', s);
  return new Promise((resolve) => {
    execFile(PSQL, args, { env: { PATH: process.env.PATH ?? '', PGPASSWORD: options.password ?? token }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('psql through the proxy', () => {
  it('an allowed SELECT prints its rows', async () => {
    const run = await psql('SELECT id, total FROM orders ORDER BY id');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['10|12.5', '11|99.0', '12|7.25']);
  });

  it('DROP is denied with 42501 and the same session keeps working', async () => {
    const run = await psqlScript(['\\set VERBOSITY verbose', 'DROP TABLE orders', 'SELECT count(*) FROM orders']);
    expect(run.stderr).toContain('42501');
    expect(run.stderr).toContain('DROP is not allowed');
    expect(run.stdout.trim()).toBe('3');
  });

  it('SELECT * shows masked emails', async () => {
    const run = await psql('SELECT id, email FROM users ORDER BY id');
    expect(run.stdout.trim().split('\n')).toEqual(['1|********', '2|********', '3|********']);
  });

  it('an expired token is refused at connect', async () => {
    // Issued an hour ago for a minute: far past its expiry and the 5 s clock tolerance.
    const expired = await h.issue({ ttlSeconds: 60, issuedAt: new Date(Date.now() - 3_600_000) });
    const run = await psql('SELECT 1', { password: expired });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('connection denied');
    expect(run.stderr).toMatch(/token:expired|expired/);
  });

  it('a token for another database is refused at connect', async () => {
    const other = await h.issue({ resource: 'billing' });
    const run = await psql('SELECT 1', { password: other });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('token:audience');
  });

  it('a changed database name is refused at startup', async () => {
    const run = await psql('SELECT 1', { database: 'postgres' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('database "postgres" is not served here');
  });

  it('an options startup parameter is refused', async () => {
    const run = await psql('SELECT 1', { env: { PGOPTIONS: '-c search_path=evil' } });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('startup parameter "options" is refused');
  });

  it('a password that is not a token is refused', async () => {
    const run = await psql('SELECT 1', { password: 'hunter2' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('connection denied');
  });

  it('Ctrl-C in psql cancels pg_sleep through the proxy (CancelRequest forwarded upstream)', async () => {
    const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=0', '-h', h.host, '-p', String(h.port), '-U', 'planner', '-d', h.database, '-c', 'SELECT pg_sleep(30) AS psql_cancel_test_marker'];
    const child = spawn(PSQL, args, { env: { PATH: process.env.PATH ?? '', PGPASSWORD: token } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const direct = new pg.Client({ connectionString: h.directUrl });
    await direct.connect();
    try {
      await waitForActiveStatement(direct, 'psql_cancel_test_marker');
    } finally {
      await direct.end();
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('canceling statement due to user request');
    expect(code).not.toBe(0);
  });
});
