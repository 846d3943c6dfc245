import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { ENV_FILE, ServiceError, STATE_DIR, type Service } from './service-context.ts';
import { kafkaService } from './service-kafka.ts';
import { pgbouncerService } from './service-pgbouncer.ts';
import { postgresService } from './service-postgres.ts';
import { sshdService } from './service-sshd.ts';

const SERVICES: Record<string, Service> = { kafka: kafkaService, postgres: postgresService, sshd: sshdService, pgbouncer: pgbouncerService };
/** Started only when named: pgbouncer is the benchmark's reference, no test needs it by default. */
const ON_REQUEST = new Set(['pgbouncer']);
/** The services.env keys each service owns. */
const KEYS: Record<string, string[]> = {
  kafka: ['GATEHOUSE_KAFKA'],
  postgres: ['GATEHOUSE_PG_URL', 'GATEHOUSE_PG_PROXY_URL'],
  sshd: ['GATEHOUSE_SSH_TARGET', 'GATEHOUSE_SSH_KEY', 'GATEHOUSE_SSH_KNOWN_HOSTS'],
  pgbouncer: ['GATEHOUSE_PGBOUNCER_URL'],
};

const USAGE = `usage: scripts/services up [kafka] [postgres] [sshd] [pgbouncer]   start (all but pgbouncer when none named); writes var/services.env
       scripts/services down [name...]                     stop (data is kept; all, pgbouncer too, when none named)
       scripts/services status                             report each
       scripts/services clean [name...]                    stop and delete data`;

async function readEnv(): Promise<Map<string, string>> {
  const env = new Map<string, string>();
  try {
    for (const line of (await readFile(ENV_FILE, 'utf8')).split('\n')) {
      const at = line.indexOf('=');
      if (at > 0 && !line.startsWith('#')) env.set(line.slice(0, at), line.slice(at + 1));
    }
  } catch {
    // no file yet
  }
  return env;
}

async function writeEnv(env: Map<string, string>): Promise<void> {
  const lines = ['# written by scripts/services; source it or read it in tests', ...[...env].map(([k, v]) => `${k}=${v}`)];
  await writeFile(ENV_FILE, lines.join('\n') + '\n', { mode: 0o600 });
}

/** The named services; none named: all, without the on-request ones unless `everything` (down, clean). */
function pick(names: string[], everything = false): Service[] {
  if (names.length === 0) return Object.values(SERVICES).filter((service) => everything || !ON_REQUEST.has(service.name));
  return names.map((name) => {
    const service = SERVICES[name];
    if (!service) throw new ServiceError(name, `unknown service; choose from ${Object.keys(SERVICES).join(', ')}`);
    return service;
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...names] = argv;
  await mkdir(STATE_DIR, { recursive: true });
  switch (command) {
    case 'up': {
      const env = await readEnv();
      let failed = 0;
      for (const service of pick(names)) {
        try {
          for (const [key, value] of Object.entries(await service.up())) env.set(key, value);
          process.stderr.write(`services: ${service.name} is up\n`);
        } catch (error) {
          failed += 1;
          for (const key of KEYS[service.name] ?? []) env.delete(key);
          process.stderr.write(`services: ${error instanceof ServiceError ? error.message : `${service.name}: ${(error as Error).stack}`}\n`);
        }
        await writeEnv(env);
      }
      // the env holds the test cluster's password: shown on a terminal, not in CI logs
      if (failed === 0 && process.stdout.isTTY) process.stdout.write(await readFile(ENV_FILE, 'utf8'));
      else if (failed === 0) process.stderr.write(`services: wrote ${ENV_FILE}\n`);
      return failed === 0 ? 0 : 1;
    }
    case 'down':
    case 'clean': {
      const env = await readEnv();
      for (const service of pick(names, true)) {
        await service.down();
        if (command === 'clean') await service.clean();
        for (const key of KEYS[service.name] ?? []) env.delete(key);
      }
      await writeEnv(env);
      return 0;
    }
    case 'status': {
      let allUp = true;
      for (const service of pick(names)) {
        const status = await service.status();
        allUp &&= status.running;
        process.stdout.write(`${service.name.padEnd(9)} ${status.running ? 'up  ' : 'down'}  ${status.detail}\n`);
      }
      return allUp ? 0 : 3;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`services: ${error instanceof ServiceError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  },
);
