import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'services');

export type ServiceName = 'kafka' | 'postgres' | 'sshd' | 'pgbouncer';

/**
 * Runs `scripts/services <command> <names>` and returns the services.env entries it printed.
 * A service that cannot start makes this throw with the script's own message naming it:
 * tests that need a real part fail loudly, never skip.
 * `stateDir` selects a private set of services (GATEHOUSE_SERVICES_DIR), e.g. a broker a test stops.
 */
export function services(command: 'up' | 'down' | 'status' | 'clean', names: ServiceName[], stateDir?: string): Promise<Record<string, string>> {
  if (process.env.GATEHOUSE_TEST_TIER === 'unit') {
    return Promise.reject(new Error(`scripts/services ${command}: the unit tier runs without services; take this file out of UNIT_TESTS in test/tiers.ts`));
  }
  const env = { ...process.env };
  if (stateDir !== undefined) env.GATEHOUSE_SERVICES_DIR = stateDir;
  else delete env.GATEHOUSE_SERVICES_DIR;
  return new Promise((resolvePromise, reject) => {
    execFile(SCRIPT, [command, ...names], { env, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && command !== 'status') {
        reject(new Error(`scripts/services ${command} ${names.join(' ')} failed:\n${stderr.trim()}`));
        return;
      }
      const entries: Record<string, string> = {};
      if (command === 'status') {
        resolvePromise({ status: stdout });
        return;
      }
      const envFile = stateDir === undefined ? join(ROOT, 'var', 'services.env') : join(resolve(stateDir), 'services.env');
      for (const line of readFileSync(envFile, 'utf8').split('\n')) {
        const at = line.indexOf('=');
        if (at > 0 && !line.startsWith('#')) entries[line.slice(0, at)] = line.slice(at + 1);
      }
      resolvePromise(entries);
    });
  });
}

export function need(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`scripts/services did not report ${key}`);
  return value;
}
