import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceEnv } from '../support/services.ts';
import { freePort } from '../support/free-port.ts';
import { ROOT } from './e2e-stack.ts';

// docs/walkthrough.md promises commands that work when pasted. This runs every `sh` block of it
// in order, as one bash script, in a scratch directory that looks like a clone (bin, scripts,
// policy and node_modules linked, var/services.env copied), with its fixed ports and database
// names replaced by free ones so the run cannot collide with anything else on the machine.

const SKIP_MARKER = '<!-- walkthrough-test: skip -->';

/** The runnable blocks: every ```sh fence not preceded by the skip marker. */
function walkthroughScript(markdown: string): string {
  const blocks: string[] = [];
  const fence = /(^|\n)(<!-- walkthrough-test: skip -->\n)?```sh\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(fence)) {
    if (match[2]?.startsWith(SKIP_MARKER)) continue;
    blocks.push(match[3]!);
  }
  return blocks.join('\n');
}

let work = '';
let output = '';
let exitCode = -1;
let processGroup = 0;
const suffix = `${process.pid}_${Date.now() % 100_000}`;
const databases = [`orders_demo_${suffix}`, `orders_staging_demo_${suffix}`];

async function dropDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: serviceEnv('GATEHOUSE_PG_URL') });
  await client.connect();
  try {
    for (const name of databases) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  serviceEnv('GATEHOUSE_PG_URL');
  work = await mkdtemp(join(tmpdir(), 'gatehouse-walkthrough-'));
  for (const entry of ['bin', 'scripts', 'policy', 'node_modules', 'package.json']) await symlink(join(ROOT, entry), join(work, entry));
  await mkdir(join(work, 'var'));
  await copyFile(join(ROOT, 'var/services.env'), join(work, 'var/services.env'));

  const ports: Record<string, number> = {};
  for (const port of ['50051', '9464', '15432', '15433', '9900']) ports[port] = await freePort();
  let script = walkthroughScript(await readFile(join(ROOT, 'docs/walkthrough.md'), 'utf8'));
  script = script.replace(/\b(50051|9464|15432|15433|9900)\b/g, (port) => String(ports[port]));
  script = script.replace(/\borders_demo\b/g, databases[0]!).replace(/\borders_staging_demo\b/g, databases[1]!);
  const scriptPath = join(work, 'walkthrough.sh');
  await writeFile(scriptPath, script);

  const logPath = join(work, 'walkthrough.log');
  const log = await open(logPath, 'w');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEHOUSE_') && !key.startsWith('PG')) env[key] = value;
  // Its own process group: whatever the script leaves running is stopped with it in afterAll.
  const child = spawn('bash', [scriptPath], { cwd: work, env, detached: true, stdio: ['ignore', log.fd, log.fd] });
  processGroup = child.pid ?? 0;
  exitCode = await new Promise<number>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done(code ?? (signal ? 128 : 1));
    });
  });
  await log.close();
  output = await readFile(logPath, 'utf8');
  if (process.env.GATEHOUSE_WALKTHROUGH_LOG) await writeFile(process.env.GATEHOUSE_WALKTHROUGH_LOG, output);
}, 300_000);

afterAll(async () => {
  if (processGroup > 0) {
    try {
      process.kill(-processGroup, 'SIGTERM');
    } catch {
      // the group has already exited: the walkthrough's own clean-up stopped everything
    }
  }
  await dropDatabases().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('docs/walkthrough.md, pasted into bash', () => {
  it('runs to the end (exit 0)', () => {
    expect(exitCode, output).toBe(0);
  });

  it('the production token waited for the reviewer, and the planner could not approve it', () => {
    expect(output).toMatch(/gatehouse: approval \S+ pending: rego:gatehouse\/token\/production/);
    expect(output).toMatch(/gatehouse: permission denied: pat is the subject of approval \S+ and cannot review it/);
    expect(output).toMatch(/gatehouse: token \S+ expires \S+ \(approval \S+\)/);
  });

  it('psql saw masked emails, the filter and the DROP refused with 42501, and the session went on', () => {
    expect(output).toMatch(/ {2}1 \| Ann {2}\| \*{8}/);
    expect(output).not.toContain('ann@example.com |');
    expect(output).toContain('ERROR:  42501: denied by policy: rego:gatehouse/sql/masked-use: column email is masked for you and cannot be used in filter');
    expect(output).toContain('ERROR:  42501: denied by policy: rego:gatehouse/sql/production-ddl: DROP is not allowed on production');
    expect(output).toMatch(/count\s*\n-+\s*\n\s+3\n/);
  });

  it('the DELETE waited for its approval and then ran', () => {
    expect(output).toMatch(/NOTICE: {2}gatehouse: approval \S+ required \(rego:gatehouse\/sql\/unbounded-write/);
    expect(output).toContain('DELETE 3');
  });

  it('use limits, expiry and revocation refused the token', () => {
    expect(output).toContain("denied by policy: token:uses: the token's 2 use(s) are spent");
    expect(output).toContain('FATAL:  connection denied: token:expired');
    expect(output).toContain('FATAL:  connection denied: token:revoked');
    expect(output).toMatch(/"inactiveCheck": "revoked"/);
  });

  it('the audit files verify, hold no token, and replay the DELETE session', () => {
    expect(output.match(/every chain intact/g)).toHaveLength(2);
    expect(output).toContain('the token is in no audit file');
    expect(output).toMatch(/decision require_approval\s+db.query Database:orders\s+DELETE FROM customers/);
    expect(output).toMatch(/session\s+event=statement effect=allow outcome=ok rows=3/);
  });

  it('with the decision service stopped, a new connection is refused (fail closed)', () => {
    expect(output).toMatch(/FATAL: {2}connection denied: .*decision service unavailable .*denied \(fail closed\)/);
  });
});

describe("docs/walkthrough.md's wait loops", () => {
  it('give up and show the log when the process they wait for has exited (e.g. a busy port)', async () => {
    const markdown = await readFile(join(ROOT, 'docs/walkthrough.md'), 'utf8');
    const definition = /\nwait_for\(\) \{\n[\s\S]*?\n\}\n/.exec(markdown)?.[0];
    expect(definition, 'docs/walkthrough.md defines wait_for').toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-wait-for-'));
    try {
      const script = `${definition}
echo 'listen EADDRINUSE 127.0.0.1:15432' > ${dir}/proxy.log
(exit 1) & pid=$!
wait $pid || true
wait_for $pid ${dir}/proxy.log grep -q 'postgres proxy ready' ${dir}/proxy.log
echo "not reached"`;
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('bash', ['-e', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('listen EADDRINUSE 127.0.0.1:15432');
      expect(result.stdout).not.toContain('not reached');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
