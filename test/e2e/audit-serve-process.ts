import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';

// `gatehouse serve` and the audit CLI commands as an operator runs them: bin/gatehouse in a
// child process. Used by the end-to-end audit suites (test/e2e/audit-*.test.ts).
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'gatehouse');

export interface ServeProcess {
  readonly pid: number;
  /** gRPC address the service bound (it is started on port 0). */
  readonly address: string;
  /** HTTP address of /metrics. */
  readonly metrics: string;
  /** Everything the process wrote so far (pino JSON lines on stdout, then stderr). */
  output(): string;
  /** SIGTERM, and the exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash: nothing is flushed or closed), resolved once it is gone. */
  crash(): Promise<void>;
}

const running = new Set<ChildProcess>();

/**
 * Starts `gatehouse serve ARGS --listen 127.0.0.1:0 --metrics 127.0.0.1:0` in `cwd` and waits for
 * its "decision service listening" log line, which names both bound addresses. A service that
 * exits first fails the caller with its output.
 */
export async function startServe(args: string[], cwd: string, timeoutMs = 120_000): Promise<ServeProcess> {
  const child = spawn(BIN, ['serve', ...args, '--listen', '127.0.0.1:0', '--metrics', '127.0.0.1:0'], {
    cwd,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  const addresses = await new Promise<{ address: string; metrics: string }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`gatehouse serve did not start listening within ${timeoutMs} ms:\n${out}${err}`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      out += line + '\n';
      let record: { msg?: string; address?: string; metrics?: string };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        return;
      }
      if (record.msg === 'decision service listening' && record.address && record.metrics) {
        clearTimeout(timer);
        done({ address: record.address, metrics: record.metrics });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`gatehouse serve exited (${code}) before listening:\n${out}${err}`));
    });
  });
  return {
    pid: child.pid!,
    ...addresses,
    output: () => out + err,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** SIGKILLs every service this module started that is still running (for afterAll). */
export async function killAllServes(): Promise<void> {
  const children = [...running];
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map((child) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())))));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/gatehouse ARGS` to completion. */
export function gatehouse(args: string[], cwd = ROOT, timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((done) => {
    execFile(BIN, args, { cwd, timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The value of one sample on the service's /metrics (0 when the series is absent). */
export async function metricValue(metrics: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://${metrics}/metrics`);
  if (!response.ok) throw new Error(`GET http://${metrics}/metrics answered ${response.status}`);
  const text = await response.text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}
