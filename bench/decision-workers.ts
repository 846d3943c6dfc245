/**
 * Issue 15's decision API benchmark: a small Rego-only policy (bench/small-rego-policy) served by
 * `gatehouse serve` processes as an operator runs them, with --workers 1 and 2, side by side with
 * the same .rego in `opa run --server` (REST): DecideStream at 8 and 64 callers and unary Decide
 * at 64 callers, in interleaved slices so the shared machine's load falls on all cases alike.
 * The callers are spread over 8 gRPC connections (bench/multi-connection-load-client.ts), since a
 * connection stays on one worker. Every decision is audited to a file sink, as in production.
 * Besides throughput it reports CPU per decision of the whole service (primary and workers, from
 * /proc), the per-core figure a larger host multiplies.
 *
 *   GATEHOUSE_BENCH_MS (default 3000): measured time per case and caller count, in 3 slices
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { findOpa } from '../engine/evaluation/toolchain/opa-cli.ts';
import { fmt, summarize } from './bench-table.ts';
import { LoadClientProcess } from './load-client-process.ts';
import type { MultiConnectionJob, MultiConnectionResult } from './multi-connection-load-client.ts';
import { processCpuMicros } from './process-cpu.ts';
import { freePort } from '../test/support/free-port.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const POLICY = join(ROOT, 'bench', 'small-rego-policy');
const DURATION_MS = Number(process.env.GATEHOUSE_BENCH_MS ?? 3000);
const SLICES = 3;
const SLICE_WARMUP_MS = 300;
const CONNECTIONS = 8;
const LOADS: { mode: 'stream' | 'unary'; callers: number }[] = [
  { mode: 'stream', callers: 8 },
  { mode: 'stream', callers: 64 },
  { mode: 'unary', callers: 64 },
];

interface Target {
  name: string;
  address: string;
  /** gRPC (Gatehouse) or REST (opa). */
  kind: 'grpc' | 'opa';
  /** Processes whose CPU counts: the primary (first) and its workers. */
  pids(): number[];
  /** CPU µs of the primary alone when there are workers (the audit chain is its serial work). */
  primaryPid?: number;
  child: ChildProcess;
  log: () => string;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function cpuOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (processCpuMicros(pid) ?? 0), 0);
}

async function waitForLine(child: ChildProcess, pattern: RegExp, log: () => string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!pattern.test(log())) {
    if (child.exitCode !== null) throw new Error(`service exited before it listened:\n${log().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`service did not listen within 300 s:\n${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startServe(work: string, bundle: string, name: string, workers: number, state: string, kek: string): Promise<Target> {
  const dir = join(work, name);
  mkdirSync(dir);
  const address = `127.0.0.1:${await freePort()}`;
  let output = '';
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/gatehouse'), 'serve', '--bundle', bundle, '--workers', String(workers), '--listen', address, '--metrics', 'off', '--state', state, '--audit', `file:${join(dir, 'audit.jsonl')}`],
    { cwd: dir, env: { ...process.env, GATEHOUSE_KEK: kek }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const log = () => output;
  await waitForLine(child, workers > 1 ? new RegExp(`"workers":${workers},.*"msg":"decision service listening"`) : /"msg":"decision service listening"/, log);
  const pid = child.pid!;
  return { name, address, kind: 'grpc', pids: () => [pid, ...childPids(pid)], primaryPid: workers > 1 ? pid : undefined, child, log };
}

interface Totals {
  latencies: number[];
  elapsedMs: number;
  decisions: number;
  cpuMicros: number;
  primaryMicros: number;
}

export async function run(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-workers-'));
  const targets: Target[] = [];
  let load: LoadClientProcess<MultiConnectionJob, MultiConnectionResult> | undefined;
  let dropState: (() => Promise<void>) | undefined;
  try {
    const bundle = join(work, 'bundle.tar.gz');
    await buildBundle(POLICY, bundle);
    execFileSync(join(ROOT, 'scripts/services'), ['up', 'postgres'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const env = readFileSync(join(ROOT, 'var/services.env'), 'utf8');
    const adminUrl = /^GATEHOUSE_PG_URL=(.*)$/m.exec(env)?.[1]?.replace(/^"(.*)"$/, '$1');
    if (!adminUrl) throw new Error('var/services.env has no GATEHOUSE_PG_URL: scripts/services up postgres failed');
    const database = `gh_bench_workers_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    dropState = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.end();
    };
    const stateUrl = new URL(adminUrl);
    stateUrl.pathname = `/${database}`;

    // Services on one state database share its signing keys: one key-encryption key for all.
    const kek = randomBytes(32).toString('hex');
    targets.push(await startServe(work, bundle, 'serve --workers 1, memory state', 1, 'memory', kek));
    targets.push(await startServe(work, bundle, 'serve --workers 1, PostgreSQL state', 1, stateUrl.toString(), kek));
    targets.push(await startServe(work, bundle, 'serve --workers 2, PostgreSQL state', 2, stateUrl.toString(), kek));
    const opaAddress = `127.0.0.1:${await freePort()}`;
    let opaLog = '';
    const opa = spawn(findOpa(), ['run', '--server', '--addr', opaAddress, '--log-level', 'error', join(POLICY, 'main.rego')], { stdio: ['ignore', 'ignore', 'pipe'] });
    opa.stderr!.on('data', (chunk: Buffer) => (opaLog += chunk.toString()));
    targets.push({ name: 'opa run --server (REST)', address: opaAddress, kind: 'opa', pids: () => [opa.pid!], child: opa, log: () => opaLog });

    load = new LoadClientProcess<MultiConnectionJob, MultiConnectionResult>(join(ROOT, 'bench/multi-connection-load-client.ts'));
    for (let attempt = 0; ; attempt++) {
      const probe = await load.run({ mode: 'opa', address: opaAddress, callers: 1, connections: 1, durationMs: 50, warmupMs: 0 });
      if (!probe.error) break;
      if (attempt > 50) throw new Error(`opa server did not start: ${probe.error}\n${opaLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const load0 = loadavg()[0];
    const rows: string[] = [];
    for (const shape of LOADS) {
      const totals = new Map<Target, Totals>(targets.map((t) => [t, { latencies: [], elapsedMs: 0, decisions: 0, cpuMicros: 0, primaryMicros: 0 }]));
      for (let slice = 0; slice < SLICES; slice++) {
        for (const target of targets) {
          const pids = target.pids();
          const cpu0 = cpuOf(pids);
          const primary0 = target.primaryPid ? cpuOf([target.primaryPid]) : 0;
          const mode = target.kind === 'opa' ? 'opa' : shape.mode;
          const result = await load.run({ mode, address: target.address, callers: shape.callers, connections: CONNECTIONS, durationMs: DURATION_MS / SLICES, warmupMs: SLICE_WARMUP_MS });
          if (result.error) throw new Error(`${target.name}, ${shape.mode} ${shape.callers} callers: ${result.error}\n${target.log().slice(-2000)}`);
          const t = totals.get(target)!;
          for (const latency of result.latencies) t.latencies.push(latency);
          t.elapsedMs += result.elapsedMs;
          // CPU covers warmup too: count the warmup's decisions at the measured rate.
          t.decisions += Math.round(result.latencies.length * (1 + SLICE_WARMUP_MS / (DURATION_MS / SLICES)));
          t.cpuMicros += cpuOf(pids) - cpu0;
          if (target.primaryPid) t.primaryMicros += cpuOf([target.primaryPid]) - primary0;
        }
      }
      const opaTotals = totals.get(targets[targets.length - 1]!)!;
      const opaRate = summarize(opaTotals.latencies, opaTotals.elapsedMs).perSecond;
      for (const target of targets) {
        const t = totals.get(target)!;
        const summary = summarize(t.latencies, t.elapsedMs);
        const perDecision = t.decisions > 0 ? t.cpuMicros / t.decisions : NaN;
        const primary = target.primaryPid ? ` (primary ${fmt(t.primaryMicros / t.decisions, 0)})` : '';
        const label = target.kind === 'opa' ? `${target.name}, ${shape.callers} callers` : `${target.name}: ${shape.mode === 'stream' ? 'DecideStream' : 'unary Decide'}, ${shape.callers} callers`;
        rows.push(
          `| ${label} | ${fmt(summary.perSecond, 0)} | ${fmt(summary.p50Micros, 0)} | ${fmt(summary.p99Micros, 0)} | ${fmt(summary.perSecond / opaRate, 2)}x | ${fmt(perDecision, 0)}${primary} | ${fmt(1e6 / perDecision, 0)} |`,
        );
      }
    }
    const load1 = loadavg()[0];
    const table = [
      `### Decision API with a small Rego-only policy: serve --workers 1 and 2 vs opa run --server (${SLICES} interleaved slices per case; callers over ${CONNECTIONS} connections; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; ${availableParallelism()} CPUs)`,
      '',
      '| case | decisions/s | p50 µs | p99 µs | vs opa, same callers | CPU µs/decision, all processes | decisions per CPU-second |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n');
    process.stdout.write(`${table}\n`);
    return table;
  } finally {
    load?.close();
    for (const target of targets) {
      target.child.kill('SIGTERM');
      if (target.child.exitCode === null) await new Promise((r) => target.child.once('exit', r));
    }
    await dropState?.().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
