import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonToStruct } from '../../../proto/struct-json.ts';
import { BASE_POLICY, buildFixtureBundle, decide, decisionClient, query } from './service-fixture.ts';

// `gatehouse serve` as a user runs it: the real bin/gatehouse in a child process.
const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'gatehouse');

let work: string;
let bundle: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-serve-cli-'));
  bundle = join(work, 'bundle.tar.gz');
  await buildFixtureBundle(work, 'policy', BASE_POLICY, bundle);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, ['serve', ...args], { cwd: work, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('gatehouse serve', () => {
  it('a corrupt bundle exits non-zero with one line on stderr', async () => {
    const corrupt = join(work, 'corrupt.tar.gz');
    writeFileSync(corrupt, 'not a bundle');
    const result = await runServe(['--bundle', corrupt, '--listen', '127.0.0.1:0', '--metrics', 'off', '--audit', `file:${join(work, 'a.jsonl')}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^gatehouse: bundle .*corrupt\.tar\.gz not activated: .+\n$/);
  });

  it('a missing bundle file exits non-zero with one line on stderr', async () => {
    const result = await runServe(['--bundle', join(work, 'nope.tar.gz'), '--metrics', 'off']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^gatehouse: bundle .*nope\.tar\.gz cannot be read: ENOENT \[GATEHOUSE_COMMAND_FAILED\]\n$/);
  });

  it.each([
    [['--bogus'], /^gatehouse: serve: Unknown option '--bogus'/],
    [['--listen', 'localhost'], /^gatehouse: serve: --listen must be HOST:PORT, got 'localhost' \[GATEHOUSE_USAGE\]\n$/],
    [['--audit-required', 'maybe'], /^gatehouse: serve: --audit-required must be true or false, got 'maybe' \[GATEHOUSE_USAGE\]\n$/],
    [['--tls-cert', 'x.pem'], /^gatehouse: serve: --tls-cert and --tls-key go together \[GATEHOUSE_USAGE\]\n$/],
    [['--audit', 'syslog://x'], /^gatehouse: serve: --audit must be file:PATH or kafka:/],
  ])('%j is a usage error: exit 2 and one line', async (args, message) => {
    const result = await runServe(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a GATEHOUSE_<FLAG> variable is read like its flag', async () => {
    const result = await runServe([], { GATEHOUSE_LISTEN: 'nowhere' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--listen must be HOST:PORT, got 'nowhere'/);
  });

  it('serves decisions, and on SIGTERM finishes, flushes the audit file and exits 0', async () => {
    const audit = join(work, 'served.jsonl');
    const serve = await spawnServe(['--bundle', bundle, '--metrics', 'off'], work, { GATEHOUSE_LISTEN: '127.0.0.1:0', GATEHOUSE_AUDIT: `file:${audit}` });
    try {
      const client = decisionClient(serve.address);
      const response = await decide(client, query('dev', { request_id: 'cli-1' }));
      client.close();
      expect(response.effect).toBe('EFFECT_ALLOW');
      expect(await serve.stop()).toBe(0);
      const events = readFileSync(audit, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      expect(events.map((event) => event.data.decisionId)).toContain(response.decision_id);
      expect(serve.stderr()).toBe('');
    } finally {
      serve.kill();
    }
  });

  it('without --bundle (npm start) it builds the shipped policy/ into var/bundle.tar.gz and serves it', async () => {
    const cwd = mkdtempSync(join(work, 'npm-start-'));
    const serve = await spawnServe(['--listen', '127.0.0.1:0', '--metrics', '127.0.0.1:0'], cwd);
    try {
      expect(existsSync(join(cwd, 'var', 'bundle.tar.gz'))).toBe(true);
      const client = decisionClient(serve.address);
      const connect = (id: string, groups: string[]) =>
        decide(client, {
          subject: { id, groups },
          action: 'db.connect',
          resource: { type: 'Database', id: 'orders', attributes: jsonToStruct({ env: 'prod' }) },
        });
      expect((await connect('planner-payments', ['payments'])).effect).toBe('EFFECT_ALLOW');
      expect((await connect('planner-web', ['web'])).effect).toBe('EFFECT_DENY');
      client.close();
      expect(await serve.stop()).toBe(0);
      expect(readFileSync(join(cwd, 'var', 'audit.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      serve.kill();
    }
  });
});

/** Starts `gatehouse serve` and waits for its "listening" log line (pino JSON on stdout), which carries the bound address. */
async function spawnServe(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(BIN, ['serve', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; address?: string };
      if (record.msg === 'decision service listening' && record.address) resolve(record.address);
    });
    child.on('exit', () => reject(new Error(`serve exited before listening: ${stderr}`)));
  });
  return {
    address,
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
