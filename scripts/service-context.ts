import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VAR_DIR = join(ROOT, 'var');
/**
 * Per-service state that must survive `down`/`up` (ports, keys, Kafka data). GATEHOUSE_SERVICES_DIR
 * selects another set (its own ports, data and services.env), e.g. a private broker a test may stop.
 */
const OVERRIDE = process.env.GATEHOUSE_SERVICES_DIR;
export const STATE_DIR = OVERRIDE ? resolve(OVERRIDE) : join(VAR_DIR, 'services');
/** Data that a non-root service user must own (PostgreSQL): under /tmp, keyed by the state dir. */
export const TMP_DIR = join('/tmp', `gatehouse-services-${createHash('sha256').update(STATE_DIR).digest('hex').slice(0, 10)}`);
export const ENV_FILE = OVERRIDE ? join(STATE_DIR, 'services.env') : join(VAR_DIR, 'services.env');

/** A service could not be started; the message names it and says why. */
export class ServiceError extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(`${service}: ${message}`);
  }
}

export interface ServiceStatus {
  running: boolean;
  detail: string;
}

export interface Service {
  readonly name: string;
  /** Starts it when not running (installing what is missing); returns its services.env entries. */
  up(): Promise<Record<string, string>>;
  down(): Promise<void>;
  status(): Promise<ServiceStatus>;
  /** Removes its data (after down). */
  clean(): Promise<void>;
}

export function log(message: string): void {
  process.stderr.write(`services: ${message}\n`);
}

export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolvePromise({ stdout, stderr });
      },
    );
  });
}

let aptUpdated = false;
/** `apt-get install -y` of Debian packages (root); `apt-get update` once when the first try fails. */
export async function aptInstall(service: string, packages: string[]): Promise<void> {
  log(`installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env });
  try {
    await install();
  } catch {
    try {
      if (!aptUpdated) await run('apt-get', ['update'], { env });
      aptUpdated = true;
      await install();
    } catch (error) {
      throw new ServiceError(service, `cannot install ${packages.join(' ')}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

/** The port this service had before (so clients keep working), else a free loopback port. */
export async function stablePort(key: string): Promise<number> {
  const path = join(STATE_DIR, 'ports.json');
  const ports = await readJson<Record<string, number>>(path, {});
  const known = ports[key];
  if (known !== undefined) return known;
  const port = await freePort(new Set(Object.values(ports)));
  ports[key] = port;
  await mkdir(STATE_DIR, { recursive: true });
  await writeFile(path, JSON.stringify(ports, null, 2) + '\n');
  return port;
}

async function freePort(avoid: Set<number>): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (!avoid.has(port)) return port;
  }
}

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

export async function readJson<T>(path: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** The pid in `pidFile` when that process is alive and its command line contains `marker`. */
export function livePid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(marker) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a long-running process detached from this script, its output appended to `logFile`. */
export async function spawnDetached(file: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): Promise<number> {
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`cannot start ${file}`);
    child.unref();
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) {
    process.kill(pid, 'SIGKILL');
    while (alive()) await sleep(50);
  }
}

/** Polls `probe` until it resolves true; fails naming the service with the last error and a log tail. */
export async function waitUntil(
  service: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; stillStarting?: () => boolean; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'not ready';
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = (error as Error).message;
    }
    if (options.stillStarting && !options.stillStarting()) break;
    await sleep(250);
  }
  const tail = options.logFile ? await logTail(options.logFile) : '';
  throw new ServiceError(service, `did not become ready (${last})${tail ? `; last log lines:\n${tail}` : ''}`);
}

export async function logTail(path: string, lines = 15): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
