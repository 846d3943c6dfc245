import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { probePostgres } from './postgres-probe.ts';
import {
  aptInstall,
  isPortFree,
  livePid,
  log,
  run,
  ServiceError,
  stablePort,
  STATE_DIR,
  TMP_DIR,
  waitUntil,
  type Service,
  type ServiceStatus,
} from './service-context.ts';

const SERVICE_USER = 'postgres';
const DB_USER = 'gatehouse';
/** Owned by the postgres user, so it lives under /tmp (the work tree may not be traversable for it). */
const DIR = join(TMP_DIR, 'postgres');
const DATA = join(DIR, 'data');
const LOG_FILE = join(DIR, 'postgres.log');
const PASSWORD_FILE = join(STATE_DIR, 'postgres', 'password');
/** The Gatehouse PostgreSQL proxy's own upstream role: no SUPERUSER, no BYPASSRLS (docs/postgres-proxy.md). */
export const PROXY_ROLE = 'gatehouse_proxy';
const PROXY_PASSWORD_FILE = join(STATE_DIR, 'postgres', 'proxy-password');

function findBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

async function ensureInstalled(): Promise<string> {
  let bin = findBinDir();
  if (bin === undefined) {
    await aptInstall('postgresql', ['postgresql']);
    bin = findBinDir();
  }
  if (bin === undefined) throw new ServiceError('postgres', 'PostgreSQL binaries not found under /usr/lib/postgresql after installing');
  try {
    await run('id', ['-u', SERVICE_USER]);
  } catch {
    throw new ServiceError('postgres', `the '${SERVICE_USER}' system user is missing (it comes with Debian's postgresql package)`);
  }
  return bin;
}

async function password(file = PASSWORD_FILE): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const fresh = randomBytes(18).toString('base64url');
    await mkdir(join(STATE_DIR, 'postgres'), { recursive: true });
    await writeFile(file, `${fresh}\n`, { mode: 0o600 });
    return fresh;
  }
}

/**
 * Creates (or resets) the proxy's login role. It gets no table privileges here: whoever
 * creates a database grants it what the proxy may touch, column by column for personal data.
 */
async function ensureProxyRole(adminUrl: string, secret: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const literal = (await client.query<{ q: string }>('SELECT quote_literal($1::text) AS q', [secret])).rows[0]!.q;
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [PROXY_ROLE])).rowCount === 1;
    const attributes = 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION';
    await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${PROXY_ROLE} WITH ${attributes} PASSWORD ${literal}`);
  } finally {
    await client.end();
  }
}

function asPostgres(bin: string, tool: string, args: string[], timeoutMs = 120_000) {
  return run('runuser', ['-u', SERVICE_USER, '--', join(bin, tool), ...args], { timeoutMs, cwd: '/' });
}

function postmasterPid(): number | undefined {
  return livePid(join(DATA, 'postmaster.pid'), 'postgres');
}

export const postgresService: Service = {
  name: 'postgres',
  async up() {
    const port = await stablePort('postgres');
    const secret = await password();
    const url = `postgres://${DB_USER}:${encodeURIComponent(secret)}@127.0.0.1:${port}/postgres`;
    const proxySecret = await password(PROXY_PASSWORD_FILE);
    const env = {
      GATEHOUSE_PG_URL: url,
      GATEHOUSE_PG_PROXY_URL: `postgres://${PROXY_ROLE}:${encodeURIComponent(proxySecret)}@127.0.0.1:${port}/postgres`,
    };
    if (postmasterPid() !== undefined) {
      await waitUntil('postgres', () => probePostgres(url), { timeoutMs: 30_000, logFile: LOG_FILE });
      await ensureProxyRole(url, proxySecret);
      return env;
    }
    if (!(await isPortFree(port))) throw new ServiceError('postgres', `port ${port} (kept in var/services/ports.json) is taken by another process`);
    const bin = await ensureInstalled();
    const uid = Number((await run('id', ['-u', SERVICE_USER])).stdout.trim());
    const gid = Number((await run('id', ['-g', SERVICE_USER])).stdout.trim());
    await mkdir(TMP_DIR, { recursive: true });
    await chmod(TMP_DIR, 0o755);
    await mkdir(DIR, { recursive: true });
    await chown(DIR, uid, gid);
    // The cluster lives under /tmp while its password lives in var/: a fresh checkout at the same
    // path (new var/, old /tmp) must not meet a cluster initialised with another password.
    const marker = join(DIR, 'password.sha256');
    const fingerprint = createHash('sha256').update(secret).digest('hex');
    const initialisedFor = existsSync(marker) ? (await readFile(marker, 'utf8')).trim() : undefined;
    if (!existsSync(join(DATA, 'PG_VERSION')) || initialisedFor !== fingerprint) {
      await rm(DATA, { recursive: true, force: true });
      await writeFile(marker, `${fingerprint}\n`, { mode: 0o600 });
      const pwfile = join(DIR, 'pwfile');
      await writeFile(pwfile, `${secret}\n`, { mode: 0o600 });
      await chown(pwfile, uid, gid);
      log('initialising a throwaway PostgreSQL cluster');
      try {
        await asPostgres(bin, 'initdb', ['-D', DATA, '-U', DB_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C']);
      } catch (error) {
        throw new ServiceError('postgres', `initdb failed: ${(error as Error).message.slice(0, 800)}`);
      } finally {
        await rm(pwfile, { force: true });
      }
    }
    const settings = `# written by scripts/services (included last, so these win)
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${DIR}'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
`;
    await writeFile(join(DATA, 'gatehouse.conf'), settings);
    await chown(join(DATA, 'gatehouse.conf'), uid, gid);
    const conf = await readFile(join(DATA, 'postgresql.conf'), 'utf8');
    if (!conf.includes("include = 'gatehouse.conf'")) await writeFile(join(DATA, 'postgresql.conf'), `${conf}\ninclude = 'gatehouse.conf'\n`);
    log(`starting PostgreSQL on 127.0.0.1:${port}`);
    try {
      await asPostgres(bin, 'pg_ctl', ['-D', DATA, '-l', LOG_FILE, '-w', '-t', '60', 'start']);
    } catch (error) {
      throw new ServiceError('postgres', `pg_ctl start failed: ${(error as Error).message.slice(0, 1200)}`);
    }
    await waitUntil('postgres', () => probePostgres(url), { timeoutMs: 60_000, logFile: LOG_FILE });
    await ensureProxyRole(url, proxySecret);
    return env;
  },
  async down() {
    if (postmasterPid() === undefined) return;
    const bin = findBinDir();
    if (bin === undefined) return;
    log('stopping postgres');
    await asPostgres(bin, 'pg_ctl', ['-D', DATA, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  },
  async status(): Promise<ServiceStatus> {
    const pid = postmasterPid();
    if (pid === undefined) return { running: false, detail: 'stopped' };
    const port = await stablePort('postgres');
    const url = `postgres://${DB_USER}:${encodeURIComponent(await password())}@127.0.0.1:${port}/postgres`;
    const ready = await probePostgres(url).catch(() => false);
    return { running: ready, detail: `pid ${pid}, 127.0.0.1:${port}${ready ? '' : ' (not answering)'}` };
  },
  async clean() {
    await rm(DIR, { recursive: true, force: true });
  },
};
