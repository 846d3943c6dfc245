import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPortFree, livePid, log, run, ServiceError, stablePort, stopPid, TMP_DIR, waitUntil, type Service, type ServiceStatus } from './service-context.ts';
import { postgresService } from './service-postgres.ts';
import { probePostgres } from './postgres-probe.ts';

/**
 * Debian's pgbouncer in session pooling mode in front of the test PostgreSQL: the reference a plain
 * PostgreSQL proxy is measured against (`npm run bench -- postgres`). Started on request only.
 */
const BINARY = '/usr/sbin/pgbouncer';
/** pgbouncer refuses to run as root: as root it runs as Debian's postgres user. */
const SERVICE_USER = 'postgres';
/** Owned by the service user, so under /tmp like the PostgreSQL cluster. */
const DIR = join(TMP_DIR, 'pgbouncer');
const INI = join(DIR, 'pgbouncer.ini');
const PID_FILE = join(DIR, 'pgbouncer.pid');
const LOG_FILE = join(DIR, 'pgbouncer.log');

async function ensureInstalled(): Promise<void> {
  if (existsSync(BINARY)) return;
  if (process.getuid?.() !== 0) throw new ServiceError('pgbouncer', `${BINARY} is missing; as root: apt-get install -y pgbouncer`);
  log('installing pgbouncer with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another job may hold the dpkg lock: apt-get waits for it rather than failing at once.
  const install = () => run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'pgbouncer'], { env, timeoutMs: 900_000 });
  try {
    await install();
  } catch {
    try {
      await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { env, timeoutMs: 900_000 });
      await install();
    } catch (error) {
      throw new ServiceError('pgbouncer', `cannot install pgbouncer: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  // Debian's package starts its own instance on 6432; only ours is wanted.
  await run('service', ['pgbouncer', 'stop']).catch(() => undefined);
}

function pgbouncerPid(): number | undefined {
  return livePid(PID_FILE, 'pgbouncer');
}

/** pgbouncer's URL: the test PostgreSQL's superuser and database, pgbouncer's port. */
function bouncerUrl(postgresUrl: string, port: number): string {
  const url = new URL(postgresUrl);
  url.port = String(port);
  return url.toString();
}

export const pgbouncerService: Service = {
  name: 'pgbouncer',
  async up() {
    const postgres = await postgresService.up();
    const pgUrl = new URL(postgres.GATEHOUSE_PG_URL!);
    const port = await stablePort('pgbouncer');
    const env = { GATEHOUSE_PGBOUNCER_URL: bouncerUrl(pgUrl.toString(), port) };
    if (pgbouncerPid() !== undefined) {
      await waitUntil('pgbouncer', () => probePostgres(env.GATEHOUSE_PGBOUNCER_URL), { timeoutMs: 30_000, logFile: LOG_FILE });
      return env;
    }
    if (!(await isPortFree(port))) throw new ServiceError('pgbouncer', `port ${port} (kept in var/services/ports.json) is taken by another process`);
    await ensureInstalled();
    await mkdir(DIR, { recursive: true, mode: 0o700 });
    // Every database of the test cluster, as the same users: pgbouncer checks the password itself.
    const users = [postgres.GATEHOUSE_PG_URL!, postgres.GATEHOUSE_PG_PROXY_URL!].map((raw) => new URL(raw));
    const userlist = users.map((u) => `"${decodeURIComponent(u.username)}" "${decodeURIComponent(u.password)}"`).join('\n') + '\n';
    await writeFile(join(DIR, 'userlist.txt'), userlist, { mode: 0o600 });
    await writeFile(
      INI,
      [
        '; written by scripts/services',
        '[databases]',
        `* = host=127.0.0.1 port=${pgUrl.port}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = scram-sha-256',
        `auth_file = ${join(DIR, 'userlist.txt')}`,
        'pool_mode = session',
        'max_client_conn = 200',
        'default_pool_size = 20',
        `logfile = ${LOG_FILE}`,
        `pidfile = ${PID_FILE}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const uid = Number((await run('id', ['-u', SERVICE_USER])).stdout.trim());
      const gid = Number((await run('id', ['-g', SERVICE_USER])).stdout.trim());
      for (const path of [DIR, INI, join(DIR, 'userlist.txt')]) await chown(path, uid, gid);
    }
    log(`starting pgbouncer (session pooling) on 127.0.0.1:${port}`);
    // -d: pgbouncer daemonises once listening and writes its pid file.
    const args = ['-d', '-q', INI];
    try {
      if (asRoot) await run('runuser', ['-u', SERVICE_USER, '--', BINARY, ...args], { cwd: '/', timeoutMs: 60_000 });
      else await run(BINARY, args, { timeoutMs: 60_000 });
    } catch (error) {
      throw new ServiceError('pgbouncer', `start failed: ${(error as Error).message.slice(0, 800)}`);
    }
    await waitUntil('pgbouncer', () => probePostgres(env.GATEHOUSE_PGBOUNCER_URL), { timeoutMs: 60_000, logFile: LOG_FILE });
    return env;
  },
  async down() {
    const pid = pgbouncerPid();
    if (pid === undefined) return;
    log('stopping pgbouncer');
    await stopPid(pid);
  },
  async status(): Promise<ServiceStatus> {
    const pid = pgbouncerPid();
    if (pid === undefined) return { running: false, detail: 'stopped' };
    const port = await stablePort('pgbouncer');
    const ini = await readFile(INI, 'utf8').catch(() => '');
    return { running: ini.includes(`listen_port = ${port}`), detail: `pid ${pid}, 127.0.0.1:${port}, session pooling` };
  },
  async clean() {
    await rm(DIR, { recursive: true, force: true });
  },
};
