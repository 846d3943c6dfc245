/**
 * pgbench select-only through the Gatehouse PostgreSQL proxy, through pgbouncer (session
 * pooling: what a plain proxy costs) and directly, in the simple and prepared protocols.
 * Prints TPS, ratios and the per-statement latency each path adds (p50/p99, from pgbench's
 * per-transaction log: select-only runs one statement per transaction).
 *
 * pgbouncer is `scripts/services up pgbouncer` (installed from Debian when missing, run as the
 * postgres user). `gatehouse-unix` is the same proxy reaching the decision service over a Unix
 * domain socket (co-location) instead of loopback TCP. CPU per statement of the proxy, the decision
 * service and pgbouncer comes from /proc/PID/stat around each run.
 *
 * The proxy runs as its own process (`bin/gatehouse proxy postgres`), the decision service in
 * this one (with the token machinery, which `gatehouse serve` does not wire yet), so pgbench,
 * PostgreSQL, the proxy and the service share the machine's cores as they would in production.
 *
 *   node --import tsx bench/postgres-proxy.ts        (GATEHOUSE_BENCH_SECONDS=10 per configuration)
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { createAuditSink } from '../audit/create-audit-sink.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { loadBundle } from '../engine/testing/load-self-tested-bundle.ts';
import { clearFactsCache, initFactExtractors } from '../engine/evaluation/facts/compute-facts.ts';
import { evaluateRequest } from '../engine/bundle/evaluate-request.ts';
import { checkMaskUsage } from '../engine/evaluation/masking/check-mask-usage.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import { startDecisionServer } from '../engine/server/decision-server.ts';
import { MemoryStateStore } from '../engine/control/state/memory-state-store.ts';
import { ScopedTokenGate } from '../engine/control/tokens/scoped-token-gate.ts';
import { openTokenAuthority } from '../engine/control/tokens/token-authority.ts';
import { CatalogColumnOrigins } from '../dataplane/postgres/column-origins.ts';
import { startPostgresProxy } from '../dataplane/postgres/postgres-proxy.ts';
import { parseUpstreamUrl } from '../dataplane/postgres/upstream/upstream-connection.ts';
import type { DecisionClient } from '../dataplane/sdk/data-plane-decision.ts';
import { fmt, measureSync } from './bench-table.ts';
import { processCpuMicros } from './process-cpu.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLIENTS = 4;
const THREADS = 2;

const BENCH_POLICY = `package gatehouse

import rego.v1

statements := input.context.sql.statements

read_only if {
	count(statements) > 0
	every s in statements {
		s.kind in {"select", "show", "set"}
		not s.nested
	}
}

decision := {"effect": "allow", "reasons": ["connect"]} if {
	input.action == "db.connect"
} else := {"effect": "allow", "reasons": ["read-only"]} if {
	input.action == "db.query"
	read_only
} else := {"effect": "deny", "reasons": ["only reads are allowed in the benchmark"]}
`;
import { freePort } from '../test/support/free-port.ts';

export interface PgbenchResult {
  /** `wire-only`: the proxy with every decision answered allow in process (no gRPC, no service): its own protocol cost. */
  target: 'direct' | 'pgbouncer' | 'gatehouse' | 'gatehouse-unix' | 'wire-only';
  mode: 'simple' | 'prepared';
  tps: number;
  p50Ms: number;
  p99Ms: number;
  transactions: number;
  /** CPU µs per statement of each measured process (select-only: one statement per transaction). */
  cpuMicros: Record<string, number>;
}

function pgbenchPath(): string {
  for (const candidate of ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error('pgbench not found: apt-get install -y postgresql-client (Debian ships it with PostgreSQL)');
}

function runTool(file: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { env, cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim().split('\n').pop() ?? error.message}`));
      else resolveRun(stdout + stderr);
    });
  });
}

async function waitForPort(host: string, port: number, child: ChildProcess, what: string): Promise<void> {
  // Up to a minute: on a loaded shared machine loading the proxy's sources alone can take 10 s.
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((done) => {
      const socket = new pg.Client({ host, port, database: 'x', user: 'x', password: 'x', connectionTimeoutMillis: 500 });
      socket.connect().then(
        () => done(true),
        (error: { code?: string; message?: string }) => done(!/ECONNREFUSED|timeout/i.test(String(error.code ?? error.message))),
      );
      socket.on('error', () => undefined);
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start listening on ${host}:${port}`);
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function pgbench(
  bin: string,
  target: PgbenchResult['target'],
  mode: PgbenchResult['mode'],
  conn: { host: string; port: number; user: string; password: string; database: string },
  seconds: number,
  processes: Record<string, number>,
): Promise<PgbenchResult> {
  const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processCpuMicros(pid)]));
  const logDir = await mkdtemp(join(tmpdir(), 'gatehouse-pgbench-log-'));
  try {
    const output = await runTool(
      bin,
      ['-n', '-S', '-M', mode, '-c', String(CLIENTS), '-j', String(THREADS), '-T', String(seconds), '-l', '--log-prefix', join(logDir, 'tx'), '-h', conn.host, '-p', String(conn.port), '-U', conn.user, conn.database],
      { PATH: process.env.PATH ?? '', PGPASSWORD: conn.password },
    );
    const cpuSpent: Record<string, number> = {};
    for (const [name, pid] of Object.entries(processes)) {
      const before = cpuBefore[name];
      const after = processCpuMicros(pid);
      if (before !== undefined && after !== undefined) cpuSpent[name] = after - before;
    }
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1] ?? NaN);
    const latencies: number[] = [];
    for (const file of await readdir(logDir)) {
      for (const line of (await readFile(join(logDir, file), 'utf8')).split('\n')) {
        const fields = line.split(' ');
        if (fields.length >= 3) latencies.push(Number(fields[2]));
      }
    }
    const sorted = Float64Array.from(latencies).sort();
    const cpuMicros = Object.fromEntries(Object.entries(cpuSpent).map(([name, micros]) => [name, micros / Math.max(1, latencies.length)]));
    return { target, mode, tps, p50Ms: percentile(sorted, 0.5) / 1000, p99Ms: percentile(sorted, 0.99) / 1000, transactions: latencies.length, cpuMicros };
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}

/** Runs the comparison and returns its markdown table (also printed). */
export async function runPostgresProxyBench(options: { seconds?: number } = {}): Promise<{ results: PgbenchResult[]; table: string }> {
  const seconds = options.seconds ?? Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 10);
  const loadAtStart = loadAverage();
  const pgbenchBin = pgbenchPath();
  execFileSync(join(ROOT, 'scripts/services'), ['up', 'postgres', 'pgbouncer'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const env = await readFile(join(ROOT, 'var/services.env'), 'utf8');
  const adminUrl = /^GATEHOUSE_PG_URL=(.*)$/m.exec(env)?.[1]?.replace(/^"(.*)"$/, '$1');
  if (!adminUrl) throw new Error('var/services.env has no GATEHOUSE_PG_URL: scripts/services up postgres failed');
  const bouncerUrl = /^GATEHOUSE_PGBOUNCER_URL=(.*)$/m.exec(env)?.[1]?.replace(/^"(.*)"$/, '$1');
  if (!bouncerUrl) throw new Error('var/services.env has no GATEHOUSE_PGBOUNCER_URL: scripts/services up pgbouncer failed');
  const bouncerPid = Number(/pid (\d+)/.exec(execFileSync(join(ROOT, 'scripts/services'), ['status', 'pgbouncer']).toString())?.[1]);
  const admin = new URL(adminUrl);
  const database = 'gh_bench_pgproxy';
  const user = decodeURIComponent(admin.username);
  const password = decodeURIComponent(admin.password);
  const host = admin.hostname;
  const port = Number(admin.port);

  const adminClient = new pg.Client({ connectionString: adminUrl });
  await adminClient.connect();
  await adminClient.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await adminClient.query(`CREATE DATABASE ${database}`);
  await adminClient.end();
  await runTool(pgbenchBin, ['-i', '-q', '-s', '1', '-h', host, '-p', String(port), '-U', user, database], { PATH: process.env.PATH ?? '', PGPASSWORD: password });

  const work = await mkdtemp(join(tmpdir(), 'gatehouse-bench-pgproxy-'));
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // The decision service with the token machinery and a read-only policy.
    await initFactExtractors();
    const policyDir = join(work, 'policy');
    await runTool('mkdir', ['-p', policyDir], process.env);
    await writeFile(join(policyDir, 'gatehouse.yaml'), 'name: bench\ndescription: pgbench select-only\nengines: [rego]\n');
    await writeFile(join(policyDir, 'bench.rego'), BENCH_POLICY);
    const bundlePath = join(work, 'bundle.tar.gz');
    await buildBundle(policyDir, bundlePath);
    const store = new MemoryStateStore();
    const tokens = await openTokenAuthority({ store });
    const decisionAudit = await createAuditSink(`file:${join(work, 'decisions.jsonl')}`, { source: 'gatehouse://bench/serve' });
    const server = await startDecisionServer({
      bundleSource: {
        path: bundlePath,
        watch: false,
        load: async () => {
          const bundle = await loadBundle(bundlePath, { runOwnTests: true });
          return { revision: bundle.revision, evaluate: (input: DecisionInput) => checkMaskUsage(bundle.evaluate(input), input.context), close: () => bundle.close() };
        },
      },
      auditSink: decisionAudit,
      listen: '127.0.0.1:0',
      // GATEHOUSE_BENCH_TOKEN_CACHE=off: verify the token's signature on every statement (the
      // behaviour before the verified-token cache), for an A/B on the same machine state.
      tokenGate: process.env.GATEHOUSE_BENCH_TOKEN_CACHE === 'off'
        ? new ScopedTokenGate({ ring: tokens.ring, store, issuer: 'gatehouse', verifiedTokenCacheSize: 0 })
        : tokens.gate,
      logger: pino({ level: 'silent' }),
      metricsListen: undefined,
    });
    // The same decision service parts on a Unix domain socket: the co-located path.
    const socketDir = await mkdtemp(join(tmpdir(), 'gh-bench-'));
    const unixAudit = await createAuditSink(`file:${join(work, 'decisions-unix.jsonl')}`, { source: 'gatehouse://bench/serve' });
    const unixServer = await startDecisionServer({
      bundleSource: {
        path: bundlePath,
        watch: false,
        load: async () => {
          const bundle = await loadBundle(bundlePath, { runOwnTests: true });
          return { revision: bundle.revision, evaluate: (input: DecisionInput) => checkMaskUsage(bundle.evaluate(input), input.context), close: () => bundle.close() };
        },
      },
      auditSink: unixAudit,
      listen: `unix:${join(socketDir, 'decision.sock')}`,
      tokenGate: tokens.gate,
      logger: pino({ level: 'silent' }),
      metricsListen: undefined,
    });
    cleanups.push(async () => {
      await server.close();
      await unixServer.close();
      await rm(socketDir, { recursive: true, force: true });
      tokens.close();
    });
    const issued = await tokens.issuer.issue({
      subject: { id: 'bench-planner', groups: ['dba'] },
      actions: ['db.connect', 'db.query'],
      resource: { type: 'Database', id: database },
      ttlSeconds: 3600,
      executor: 'pgbench',
      now: new Date(),
    });

    // The proxy, as users run it: one reaching the service over loopback TCP, one over its socket.
    const upstreamUrl = new URL(adminUrl);
    upstreamUrl.pathname = `/${database}`;
    // GATEHOUSE_BENCH_PROFILE_DIR: the proxy process writes a V8 CPU profile there on exit.
    const profileDir = process.env.GATEHOUSE_BENCH_PROFILE_DIR;
    const startProxy = async (decision: string, name: string): Promise<{ port: number; pid: number }> => {
      const proxyPort = await freePort();
      const proxy = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), join(ROOT, 'bin/gatehouse'), 'proxy', 'postgres', '--log-level', 'warn'], {
        env: {
          ...process.env,
          GATEHOUSE_PROXY_LISTEN: `127.0.0.1:${proxyPort}`,
          GATEHOUSE_PROXY_UPSTREAM: upstreamUrl.toString(),
          GATEHOUSE_PROXY_RESOURCE: database,
          GATEHOUSE_PROXY_DECISION: decision,
          GATEHOUSE_PROXY_AUDIT: `file:${join(work, `${name}-audit.jsonl`)}`,
          // The same superuser as the direct and pgbouncer runs, so the numbers compare like for like.
          GATEHOUSE_PROXY_ALLOW_PRIVILEGED_UPSTREAM: 'true',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(proxy);
      await waitForPort('127.0.0.1', proxyPort, proxy, `gatehouse proxy postgres (${name})`);
      return { port: proxyPort, pid: proxy.pid! };
    };
    const tcpProxy = await startProxy(server.address, 'gatehouse');
    const unixProxy = await startProxy(unixServer.address, 'gatehouse-unix');
    const bouncer = new URL(bouncerUrl);

    // The same proxy code with decisions answered in process: what the wire path alone costs.
    const upstreamTarget = parseUpstreamUrl(upstreamUrl.toString());
    const wireOnlyAudit = await createAuditSink(`file:${join(work, 'wire-only-audit.jsonl')}`, { source: 'gatehouse://bench/wire-only' });
    const origins = new CatalogColumnOrigins(upstreamTarget);
    const allowAll: DecisionClient = {
      decide: async () => ({ decisionId: 'bench', effect: 'allow', reasons: [], obligations: {}, policyRevision: 'bench' }),
      awaitApproval: async (approvalId) => ({ status: 'unavailable', approvalId, reason: 'bench' }),
      close: () => undefined,
    };
    const wireOnly = await startPostgresProxy(
      {
        listen: { host: '127.0.0.1', port: 0 },
        resource: { type: 'Database', id: database },
        database,
        upstream: upstreamTarget,
        decisions: allowAll,
        audit: wireOnlyAudit,
        origins,
        maxMessageBytes: 16 * 1024 * 1024,
        allowPrivilegedUpstream: true,
        approveHint: '',
      },
      () => undefined,
    );
    cleanups.push(async () => {
      await wireOnly.close();
      await origins.close();
      await wireOnlyAudit.close();
    });

    const targets = {
      direct: { host, port, user, password, database },
      pgbouncer: { host: bouncer.hostname, port: Number(bouncer.port), user, password, database },
      gatehouse: { host: '127.0.0.1', port: tcpProxy.port, user: 'bench-planner', password: issued.token, database },
      'gatehouse-unix': { host: '127.0.0.1', port: unixProxy.port, user: 'bench-planner', password: issued.token, database },
      'wire-only': { host: '127.0.0.1', port: wireOnly.address.port, user: 'bench-planner', password: 'unused', database },
    } as const;
    // GATEHOUSE_BENCH_ONLY=gatehouse (comma list) narrows the run, e.g. to profile one path;
    // direct and pgbouncer always run: the ratios need them.
    const only = (process.env.GATEHOUSE_BENCH_ONLY ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    // The proxies' first statements pay for JIT warm-up and connection set-up: not measured.
    for (const target of (['gatehouse', 'gatehouse-unix', 'wire-only'] as const).filter((t) => only.length === 0 || only.includes(t))) {
      await pgbench(pgbenchBin, target, 'simple', targets[target], 2, {});
    }
    const results: PgbenchResult[] = [];
    const wanted = (target: PgbenchResult['target']): boolean => only.length === 0 || target === 'direct' || target === 'pgbouncer' || only.includes(target);
    const modes = (process.env.GATEHOUSE_BENCH_MODES ?? 'simple,prepared').split(',').filter((m): m is PgbenchResult['mode'] => m === 'simple' || m === 'prepared');
    for (const mode of modes) {
      for (const target of (['direct', 'pgbouncer', 'gatehouse', 'gatehouse-unix', 'wire-only'] as const).filter(wanted)) {
        process.stdout.write(`pgbench -S -M ${mode} via ${target} (${seconds}s, ${CLIENTS} clients)\n`);
        // This process is the decision service (and the in-process wire-only proxy).
        const processes: Record<string, Record<string, number>> = {
          direct: {},
          pgbouncer: { pgbouncer: bouncerPid },
          gatehouse: { proxy: tcpProxy.pid, service: process.pid },
          'gatehouse-unix': { proxy: unixProxy.pid, service: process.pid },
          'wire-only': { proxy: process.pid },
        };
        results.push(await pgbench(pgbenchBin, target, mode, targets[target], seconds, processes[target]!));
      }
    }

    // What one decision costs in the engine alone (facts + policy), to say what dominates.
    const bundle = await loadBundle(bundlePath, { runOwnTests: false });
    const input = (aid: number): DecisionInput => ({
      subject: { id: 'bench-planner', groups: ['dba'] },
      action: 'db.query',
      resource: { type: 'Database', id: database },
      context: { sql: { text: `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};` } },
      time: new Date().toISOString(),
    });
    let aid = 0;
    const uncached = measureSync(() => {
      clearFactsCache();
      evaluateRequest(bundle, input(++aid));
    }, 1_000);
    const cached = measureSync(() => evaluateRequest(bundle, input(1)), 1_000);
    await bundle.close();

    const table = formatTable(results, { uncachedMicros: uncached.p50Micros, cachedMicros: cached.p50Micros }, { start: loadAtStart, end: loadAverage() });
    process.stdout.write(table + '\n');
    return { results, table };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode !== null ? undefined : new Promise((r) => child.once('exit', r)))));
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    const drop = new pg.Client({ connectionString: adminUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await drop.end();
  }
}

function formatTable(results: PgbenchResult[], engine: { uncachedMicros: number; cachedMicros: number }, load: { start: string; end: string }): string {
  const find = (target: string, mode: string) => results.find((r) => r.target === target && r.mode === mode);
  const lines = [
    `### PostgreSQL proxy: pgbench -S, ${CLIENTS} clients, ${THREADS} threads`,
    '',
    `Load average (1 / 5 / 15 min): ${load.start} at the start, ${load.end} at the end.`,
    '',
    '| mode | path | TPS | vs direct | vs pgbouncer | p50 ms | p99 ms | added p50 ms | added p99 ms | CPU µs/statement |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    const direct = find('direct', r.mode)!;
    const bouncer = find('pgbouncer', r.mode)!;
    lines.push(
      `| ${r.mode} | ${r.target} | ${fmt(r.tps, 0)} | ${fmt(r.tps / direct.tps, 2)} | ${fmt(r.tps / bouncer.tps, 2)} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${fmt(r.p50Ms - direct.p50Ms, 3)} | ${fmt(r.p99Ms - direct.p99Ms, 3)} | ${cpuText(r.cpuMicros)} |`,
    );
  }
  lines.push(
    '',
    `Engine alone per decision (facts + Rego, in process, p50): ${fmt(engine.uncachedMicros, 0)} µs with a fresh parse, ${fmt(engine.cachedMicros, 0)} µs when the exact text is cached.`,
    '`gatehouse-unix` is the proxy reaching the decision service over a Unix domain socket instead of loopback TCP. CPU per statement comes from /proc/PID/stat: `proxy` is the proxy process, `service` the decision service (this process), `pgbouncer` its process.',
    '`wire-only` is the same proxy code with every decision answered allow in process: the gap between it and `gatehouse` is the decision round trip (gRPC, token verification and use counting, policy, the decision audit event).',
    '',
  );
  return lines.join('\n');
}

function cpuText(cpu: Record<string, number>): string {
  const parts = Object.entries(cpu).map(([name, micros]) => `${name} ${fmt(micros, 0)}`);
  return parts.length === 0 ? '–' : parts.join(', ');
}

function loadAverage(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' / ');
}

/** The bench runner's entry (bench/run.ts). */
export async function run(): Promise<string> {
  return (await runPostgresProxyBench()).table;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench postgres-proxy: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
