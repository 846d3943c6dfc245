import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bothEngines, FAILING_TESTS, tempDir, writePolicyDir } from '../engine/bundle/policy-fixtures.ts';

const BIN = resolve(import.meta.dirname, '../../bin/gatehouse');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function gatehouse(args: string[], input?: string): Promise<Result> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A user mistake is exactly one `gatehouse: ...` line, never a stack trace. */
function expectOneLineError(result: Result, code: number, pattern: RegExp): void {
  expect(result.code).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^gatehouse: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

let work: string;
let bundle: string;

const REQUEST = {
  subject: { id: 'alice', groups: ['dba'] },
  action: 'db.query',
  resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
  context: { sql: { text: 'SELECT email FROM users WHERE id = 1' } },
};

beforeAll(async () => {
  work = await tempDir('cli');
  await writePolicyDir(join(work, 'policy'), bothEngines());
  bundle = join(work, 'bundle.tar.gz');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('gatehouse build', () => {
  it('a good policy dir → exit 0 and the revision on stdout', async () => {
    const result = await gatehouse(['build', join(work, 'policy'), '-o', bundle]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('no -o → exit 2 with one line', async () => {
    expectOneLineError(await gatehouse(['build', join(work, 'policy')]), 2, /-o <bundle.tar.gz> is required/);
  });

  it('an unknown flag → exit 2 with one line', async () => {
    expectOneLineError(await gatehouse(['build', join(work, 'policy'), '-o', bundle, '--sign', 'x']), 2, /build: Unknown option '--sign'/);
  });

  it('a Rego error → exit 1 with file:line', async () => {
    await writePolicyDir(join(work, 'broken'), bothEngines({ 'guardrails.rego': 'package gatehouse\n\ndecision := {\n' }));
    expectOneLineError(await gatehouse(['build', join(work, 'broken'), '-o', join(work, 'broken.tar.gz')]), 1, /guardrails\.rego:\d+/);
  });

  it('a directory that does not exist → exit 1 with one line', async () => {
    expectOneLineError(await gatehouse(['build', join(work, 'nope'), '-o', join(work, 'x.tar.gz')]), 1, /does not exist/);
  });

  it('--signing-key pointing nowhere → exit 1 with one line', async () => {
    expectOneLineError(await gatehouse(['build', join(work, 'policy'), '-o', join(work, 'x.tar.gz'), '--signing-key', join(work, 'no.pem')]), 1, /cannot read signing key/);
  });
});

describe('gatehouse eval', () => {
  beforeAll(async () => {
    await writeFile(join(work, 'request.json'), JSON.stringify(REQUEST));
  });

  it('a request with raw SQL → the combined decision as JSON', async () => {
    const result = await gatehouse(['eval', '--bundle', bundle, '--input', join(work, 'request.json')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const decision = JSON.parse(result.stdout);
    expect(decision).toMatchObject({ effect: 'allow', obligations: { mask: ['email'] } });
    expect(decision.policyRevision).toMatch(/^[0-9a-f]{64}$/);
    expect(decision.engines).toBeUndefined();
  });

  it('--explain lists each engine with its determining policies', async () => {
    const result = await gatehouse(['eval', '--bundle', bundle, '--input', join(work, 'request.json'), '--explain']);
    expect(result.code).toBe(0);
    const decision = JSON.parse(result.stdout);
    expect(decision.engines.map((e: { engine: string }) => e.engine)).toEqual(['rego', 'cedar']);
    expect(decision.engines[1].determining).toContain('dba-can-query');
    expect(decision.engines[0].determining.length).toBeGreaterThan(0);
  });

  it('the request from stdin with "-"', async () => {
    const denied = { ...REQUEST, context: { sql: { text: 'DELETE FROM orders' } } };
    const result = await gatehouse(['eval', '--bundle', bundle, '--input', '-'], JSON.stringify(denied));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).effect).toBe('deny');
  });

  it('a request without subject → exit 2 naming the field', async () => {
    await writeFile(join(work, 'bad.json'), JSON.stringify({ action: 'db.query', resource: { type: 'Database', id: 'x' } }));
    expectOneLineError(await gatehouse(['eval', '--bundle', bundle, '--input', join(work, 'bad.json')]), 2, /request subject:/);
  });

  it('input that is not JSON → exit 2', async () => {
    await writeFile(join(work, 'notjson.json'), '{ nope');
    expectOneLineError(await gatehouse(['eval', '--bundle', bundle, '--input', join(work, 'notjson.json')]), 2, /not valid JSON/);
  });

  it('a policy directory is built and evaluated as its bundle would be (same decision, same revision)', async () => {
    const fromBundle = await gatehouse(['eval', '--bundle', bundle, '--input', join(work, 'request.json')]);
    const fromDir = await gatehouse(['eval', '--bundle', join(work, 'policy'), '--input', join(work, 'request.json')]);
    expect(fromDir.stderr).toBe('');
    expect(fromDir.code).toBe(0);
    expect(JSON.parse(fromDir.stdout)).toEqual(JSON.parse(fromBundle.stdout));
  }, 300_000);

  it("the bundle's own decision tests run only with --self-test, which refuses a bundle whose tests fail", async () => {
    const failing = await writePolicyDir(join(work, 'failing'), bothEngines({ 'tests/basic.yaml': FAILING_TESTS }));
    const failingBundle = join(work, 'failing.tar.gz');
    expect((await gatehouse(['build', failing, '-o', failingBundle])).code).toBe(0);
    const plain = await gatehouse(['eval', '--bundle', failingBundle, '--input', join(work, 'request.json')]);
    expect(plain.stderr).toBe('');
    expect(JSON.parse(plain.stdout).effect).toBe('allow');
    expectOneLineError(await gatehouse(['eval', '--bundle', failingBundle, '--input', join(work, 'request.json'), '--self-test']), 1, /tests\/basic\.yaml.*wrong on purpose/);
  }, 300_000);

  it('a policy directory with --verification-key → exit 2 (a built directory is unsigned)', async () => {
    expectOneLineError(
      await gatehouse(['eval', '--bundle', join(work, 'policy'), '--input', join(work, 'request.json'), '--verification-key', join(work, 'key.pem')]),
      2,
      /--verification-key needs a bundle file/,
    );
  });

  it('a bundle that is not a bundle → exit 1 with one line', async () => {
    await writeFile(join(work, 'junk.tar.gz'), 'junk');
    expectOneLineError(await gatehouse(['eval', '--bundle', join(work, 'junk.tar.gz'), '--input', join(work, 'request.json')]), 1, /not a gzip'd tarball/);
  });
});

describe('gatehouse fmt', () => {
  const UGLY_CEDAR = 'permit(principal,action,resource)when{true};\n';
  const UGLY_REGO = 'package gatehouse\ndecision := {"effect":"allow"}\n';

  it('--check lists unformatted Cedar and Rego files and exits 1, changing nothing', async () => {
    const dir = await writePolicyDir(join(work, 'ugly'), { 'a.cedar': UGLY_CEDAR, 'b.rego': UGLY_REGO });
    const result = await gatehouse(['fmt', dir, '--check']);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['a.cedar', 'b.rego']);
    expect(await readFile(join(dir, 'a.cedar'), 'utf8')).toBe(UGLY_CEDAR);
  });

  it('without --check formats in place; a second --check exits 0', async () => {
    const dir = join(work, 'ugly');
    expect((await gatehouse(['fmt', dir])).code).toBe(0);
    expect(await readFile(join(dir, 'a.cedar'), 'utf8')).not.toBe(UGLY_CEDAR);
    expect(await readFile(join(dir, 'b.rego'), 'utf8')).not.toBe(UGLY_REGO);
    const again = await gatehouse(['fmt', dir, '--check']);
    expect(again).toMatchObject({ code: 0, stdout: '' });
  });

  it('a Rego file that does not parse → exit 1 with one line naming it', async () => {
    const dir = await writePolicyDir(join(work, 'unparsable'), { 'c.rego': 'package x\n\nallow if {\n' });
    expectOneLineError(await gatehouse(['fmt', dir, '--check']), 1, /c\.rego:\d+/);
  });

  it('a Cedar file that does not parse → exit 1 with one line naming it', async () => {
    const dir = await writePolicyDir(join(work, 'unparsable-cedar'), { 'd.cedar': 'permit(principal,' });
    expectOneLineError(await gatehouse(['fmt', dir]), 1, /d\.cedar/);
  });

  it('no directory → exit 2', async () => {
    expectOneLineError(await gatehouse(['fmt']), 2, /exactly one policy directory/);
  });
});

describe('gatehouse help and version', () => {
  it('--version prints the package version', async () => {
    const result = await gatehouse(['--version']);
    const manifest = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`gatehouse ${manifest.version}\n`);
  });

  for (const [group, commands] of [
    ['proxy', ['proxy postgres', 'proxy ssh']],
    ['replay', ['replay decisions', 'replay session']],
    ['audit', ['audit verify', 'audit export']],
  ] as const) {
    it(`${group} --help lists its commands, each of which has its own --help`, async () => {
      const help = await gatehouse([group, '--help']);
      expect(help.code).toBe(0);
      expect(help.stderr).toBe('');
      for (const command of commands) {
        expect(help.stdout).toContain(command);
        const own = await gatehouse([...command.split(' '), '--help']);
        expect(own.code, command).toBe(0);
        expect(own.stdout, command).toMatch(new RegExp(`^usage: gatehouse ${command}`));
      }
      const bare = await gatehouse([group]);
      expect(bare.code).toBe(2);
      expect(bare.stdout).toBe(help.stdout);
    }, 180_000);
  }
});
