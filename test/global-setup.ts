import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The integration and e2e tiers run against real parts: the opa CLI, Kafka, PostgreSQL and
// sshd. They are installed and started once per test run, and a part that cannot start fails
// the run loudly with the script's own message (never a skipped test). The unit tier
// (test/tiers.ts) runs without this setup.
const root = resolve(import.meta.dirname, '..');

export function loadServicesEnv(): Record<string, string> {
  const file = resolve(root, 'var/services.env');
  const env: Record<string, string> = {};
  if (!existsSync(file)) return env;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** Runs one install script (they print the installed path on stdout) and returns that path. */
function install(script: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(resolve(root, 'scripts', script), { maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error) fail(new Error(`scripts/${script} failed (its output is above): ${error.message}`));
      else done(stdout.trim().split('\n').pop() ?? '');
    });
    child.stderr?.pipe(process.stderr);
  });
}

export default async function setup(): Promise<() => void> {
  // The integration and e2e projects share this setup: in one vitest run it runs once.
  if (process.env.GATEHOUSE_TEST_SETUP_DONE === '1') return () => {};
  process.env.GATEHOUSE_TEST_SETUP_DONE = '1';
  // The Go builds take minutes on a cold cache; they run side by side.
  const [, grpcurl, cloudEventsPython, pgjdbcJar, psycopgPython] = await Promise.all([
    install('install-opa'),
    install('install-grpcurl'),
    install('install-cloudevents-python'),
    install('install-pgjdbc'),
    install('install-psycopg'),
  ]);
  // The third-party clients the interoperability tests drive (never written by Gatehouse).
  process.env.GATEHOUSE_GRPCURL = grpcurl;
  process.env.GATEHOUSE_CLOUDEVENTS_PYTHON = cloudEventsPython;
  process.env.GATEHOUSE_PGJDBC_JAR = pgjdbcJar;
  process.env.GATEHOUSE_PSYCOPG_PYTHON = psycopgPython;
  const services = (process.env.GATEHOUSE_TEST_SERVICES ?? 'kafka postgres sshd').split(/\s+/).filter(Boolean);
  if (services.length > 0) {
    execFileSync(resolve(root, 'scripts/services'), ['up', ...services], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  Object.assign(process.env, loadServicesEnv());
  // A developer keeps the services for the next run (`up` again is instant); CI leaves nothing behind.
  return () => {
    if (process.env.CI && services.length > 0) {
      execFileSync(resolve(root, 'scripts/services'), ['down', ...services], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
  };
}
