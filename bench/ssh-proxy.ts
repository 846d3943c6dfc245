/**
 * The SSH proxy against direct ssh to the same Debian sshd:
 *  - command round trip on an open connection (ssh2 client: channel open, exec `true`, exit
 *    status), where the proxy adds a decision (gRPC DecideStream), a recorded command event and
 *    the upstream exec;
 *  - one-shot OpenSSH `ssh host true` (handshake + login + command), where the proxy adds the
 *    `ssh.connect` decision and its upstream login;
 *  - throughput of a large `cat` (MB/s) and the ratio, with the proxy recording every byte,
 *    measured with the OpenSSH client (its own process) including its login.
 * The decision service (with scoped tokens) and the proxy run in this process; the ssh clients
 * and sshd are their own processes.
 *
 *   node --import tsx bench/ssh-proxy.ts      (GATEHOUSE_BENCH_SECONDS=5 per latency case)
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFile, } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { openFileAuditSink } from '../audit/file-audit-sink.ts';
import { startInProcessDecisionService } from './in-process-decision-service.ts';
import { GrpcDecisionClient } from '../dataplane/sdk/grpc-decision-client.ts';
import { KnownHosts } from '../dataplane/ssh/known-hosts.ts';
import { startSshProxy } from '../dataplane/ssh/ssh-proxy.ts';
import { parseUpstreamUrl } from '../dataplane/ssh/upstream-connection.ts';
import { fmt, measure, printTable, summarize, type TableRow } from './bench-table.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.GATEHOUSE_BENCH_SECONDS ?? 5);
const CAT_MIB = Number(process.env.GATEHOUSE_BENCH_SSH_CAT_MIB ?? 64);
const ONE_SHOT_RUNS = Number(process.env.GATEHOUSE_BENCH_SSH_ONE_SHOT ?? 30);

const BENCH_POLICY = `package gatehouse

import rego.v1

decision := {"effect": "allow", "reasons": ["login"]} if {
	input.action == "ssh.connect"
} else := {"effect": "allow", "reasons": ["plain commands"]} if {
	input.action == "ssh.exec"
	count(input.context.command.commands) > 0
	every c in input.context.command.commands { not c.dynamic }
} else := {"effect": "deny", "reasons": ["not allowed in the benchmark"]}
`;

/** Starts (or reuses) the real sshd and reads its address, key and known_hosts. */
async function servicesEnv(): Promise<Record<string, string>> {
  execFileSync(join(ROOT, 'scripts/services'), ['up', 'sshd'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const env: Record<string, string> = {};
  for (const line of (await readFile(join(ROOT, 'var/services.env'), 'utf8')).split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

function connect(config: ConnectConfig): Promise<Client> {
  return new Promise((resolveClient, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolveClient(client));
    client.once('error', reject);
    client.connect({ readyTimeout: 20_000, ...config });
  });
}

/** Runs a command; resolves with the number of stdout bytes once the channel closes. */
function execute(client: Client, command: string): Promise<number> {
  return new Promise((resolveRun, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let bytes = 0;
      let code: number | null = null;
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.stderr.resume();
      stream.on('exit', (exitCode: number | null) => (code = exitCode));
      stream.on('close', () => (code === 0 ? resolveRun(bytes) : reject(new Error(`'${command}' exited ${code}`))));
    });
  });
}

/** Runs an ssh command with its stdout discarded (as a pipe drained without keeping it). */
function catToNull(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(args[0]!, args.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun() : reject(new Error(`${args[0]} exited ${code}: ${stderr.trim()}`))));
  });
}

function oneShot(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolveRun, reject) => {
    execFile(args[0]!, args.slice(1), { env, timeout: 30_000 }, (error) => (error ? reject(error) : resolveRun()));
  });
}

export async function run(): Promise<string> {
  const env = await servicesEnv();
  const target = parseUpstreamUrl(env.GATEHOUSE_SSH_TARGET!);
  const keyPath = env.GATEHOUSE_SSH_KEY!;
  const knownHostsPath = env.GATEHOUSE_SSH_KNOWN_HOSTS!;
  const key = await readFile(keyPath);
  const knownHosts = KnownHosts.parse(await readFile(knownHostsPath, 'utf8'), knownHostsPath);
  const service = await startInProcessDecisionService('ssh', BENCH_POLICY);
  const { work, authority } = service;
  const proxyAudit = await openFileAuditSink(join(work, 'sessions.jsonl'), { source: 'bench/proxy-ssh', registry: new Registry() });
  const decisions = new GrpcDecisionClient({ address: service.address });
  const proxy = await startSshProxy(
    {
      listen: { host: '127.0.0.1', port: 0 },
      hostKey: Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').private),
      resource: { type: 'Host', id: 'bench-1' },
      upstream: { target, privateKey: key, knownHosts },
      decisions,
      audit: proxyAudit,
      auditRequired: true,
      approveHint: 'gatehouse approvals approve {id}',
      upstreamShell: 'exec bash --noediting -i',
      envAllowlist: [],
    },
    () => undefined,
  );
  const issued = await authority.issuer.issue({
    subject: { id: 'bench', groups: [] },
    actions: ['ssh.connect', 'ssh.exec'],
    resource: { type: 'Host', id: 'bench-1' },
    ttlSeconds: 3600,
    now: new Date(),
  });
  const direct = await connect({ host: target.host, port: target.port, username: target.user, privateKey: key });
  const proxied = await connect({ host: '127.0.0.1', port: proxy.address.port, username: 'bench', password: issued.token });
  const sections: string[] = [];
  try {
    const roundTrip: TableRow[] = [
      { name: 'direct ssh (ssh2, open connection)', summary: await measure(() => execute(direct, 'true'), { concurrency: 1, durationMs: SECONDS * 1000 }) },
      { name: 'through the proxy (ssh2, open connection)', summary: await measure(() => execute(proxied, 'true'), { concurrency: 1, durationMs: SECONDS * 1000 }) },
    ];
    sections.push(printTable('SSH command round trip: exec `true` on an open connection', 'direct ssh (ssh2, open connection)', roundTrip));

    const sshBase: string[] = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=no'];
    const oneShotRows: TableRow[] = [];
    for (const [name, args, childEnv] of [
      ['direct: ssh host true', ['ssh', ...sshBase, '-i', keyPath, '-p', String(target.port), `${target.user}@${target.host}`, 'true'], process.env],
      ['proxy: sshpass ssh host true', ['sshpass', '-e', 'ssh', ...sshBase, '-o', 'PubkeyAuthentication=no', '-p', String(proxy.address.port), 'bench@127.0.0.1', 'true'], { ...process.env, SSHPASS: issued.token }],
    ] as [string, string[], NodeJS.ProcessEnv][]) {
      const latencies: number[] = [];
      const started = Date.now();
      for (let i = 0; i < ONE_SHOT_RUNS; i++) {
        const t0 = process.hrtime.bigint();
        await oneShot(args, childEnv);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      oneShotRows.push({ name, summary: summarize(latencies, Date.now() - started) });
    }
    sections.push(printTable(`One-shot OpenSSH command (connect, log in, run \`true\`; ${ONE_SHOT_RUNS} runs each)`, 'direct: ssh host true', oneShotRows));

    const file = `/tmp/gatehouse-bench-cat-${process.pid}.txt`;
    await execute(direct, `head -c ${Math.floor((CAT_MIB * 1024 * 1024 * 3) / 4)} /dev/urandom | base64 -w 76 > ${file}`);
    // Measured with the OpenSSH client in its own process (stdout to /dev/null), so the proxy's
    // crypto does not share this process with a client's; each run includes the login.
    const throughput: { name: string; mbps: number; bytes: number }[] = [];
    const bytes = Number((await new Promise<string>((ok, fail) => execFile('stat', ['-c', '%s', file], (e, out) => (e ? fail(e) : ok(out))))).trim());
    for (const [name, args, childEnv] of [
      ['direct ssh', ['ssh', ...sshBase, '-i', keyPath, '-p', String(target.port), `${target.user}@${target.host}`, `cat ${file}`], process.env],
      ['through the proxy (recorded)', ['sshpass', '-e', 'ssh', ...sshBase, '-o', 'PubkeyAuthentication=no', '-p', String(proxy.address.port), 'bench@127.0.0.1', `cat ${file}`], { ...process.env, SSHPASS: issued.token }],
    ] as [string, string[], NodeJS.ProcessEnv][]) {
      await catToNull(args, childEnv); // warm the page cache and the path
      const t0 = process.hrtime.bigint();
      await catToNull(args, childEnv);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      throughput.push({ name, mbps: bytes / 1e6 / seconds, bytes });
    }
    await execute(direct, `rm -f ${file}`);
    const base = throughput[0]!.mbps;
    const lines = [
      `### SSH throughput: \`cat\` of a ${CAT_MIB} MiB text file`,
      '',
      '| case | MB/s | bytes | ratio to direct |',
      '| --- | ---: | ---: | ---: |',
      ...throughput.map((row) => `| ${row.name} | ${fmt(row.mbps, 1)} | ${row.bytes} | ${fmt(row.mbps / base, 2)}x |`),
      '',
    ];
    const table = lines.join('\n');
    process.stdout.write(table + '\n');
    sections.push(table);
  } finally {
    direct.end();
    proxied.end();
    await proxy.close();
    decisions.close();
    await proxyAudit.close();
    await service.close();
  }
  return sections.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench ssh: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
