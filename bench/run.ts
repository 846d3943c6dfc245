/**
 * `npm run bench [-- name ...]`: runs the benchmarks in order and prints their tables.
 * Each suite starts the real parts it measures (opa server, PostgreSQL, pgbouncer, Kafka,
 * sshd) and stops them again. Results are also written to var/bench-results.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

const SUITES: Record<string, () => Promise<{ run: () => Promise<string> }>> = {
  engine: () => import('./engine-evaluation.ts'),
  decision: () => import('./decision-suite.ts'),
  'decision-workers': () => import('./decision-workers.ts'),
  'decide-tail': () => import('./decide-tail.ts'),
  audit: () => import('./audit-sinks.ts'),
  postgres: () => import('./postgres-proxy.ts'),
  ssh: () => import('./ssh-proxy.ts'),
  mcp: () => import('./mcp-proxy.ts'),
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(SUITES);
const unknown = names.filter((n) => !SUITES[n]);
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
  process.exit(2);
}

const sections: string[] = [`# Gatehouse benchmarks (${new Date().toISOString()}, ${process.version})`, ''];
let failed = false;
for (const name of names) {
  process.stdout.write(`\n== ${name} ==\n`);
  try {
    const suite = await SUITES[name]();
    sections.push(await suite.run());
  } catch (error) {
    failed = true;
    process.stderr.write(`bench: ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
mkdirSync('var', { recursive: true });
writeFileSync('var/bench-results.md', sections.join('\n'));
process.stdout.write('\nwritten to var/bench-results.md\n');
process.exit(failed ? 1 : 0);
