import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionInput } from '../../../../engine/model/index.ts';
import { compileRegoToWasm } from '../../../../engine/evaluation/rego/compile-rego.ts';
import { RegoCompileError, RegoLoadError } from '../../../../engine/evaluation/rego/rego-errors.ts';
import { prepareRegoEvaluator, type RegoEvaluator } from '../../../../engine/evaluation/rego/wasm-rego-evaluator.ts';
import { RegoFixtureDir } from './rego-fixtures.ts';

const dir = new RegoFixtureDir();
afterAll(() => dir.remove());

function request(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    subject: { id: 'alice', groups: ['dba'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
    context: {},
    time: '2026-11-25T10:00:00.123456789Z',
    ...overrides,
  };
}

async function evaluatorFor(name: string, rego: string, data?: Record<string, unknown>): Promise<RegoEvaluator> {
  const file = dir.write(`${name}.rego`, rego);
  const dataFiles = data ? [dir.write(`${name}-data.json`, JSON.stringify(data))] : [];
  const { wasm, data: bundleData } = await compileRegoToWasm({ files: [file], dataFiles, baseDir: dir.path });
  return prepareRegoEvaluator({ wasm, data: bundleData, entrypoint: 'gatehouse/decision' });
}

const GUARDRAILS = `package gatehouse

default decision := {"effect": "deny", "reasons": ["no rule allows this request"]}

decision := {"effect": "allow", "reasons": ["dba may query"]} if {
  input.action == "db.query"
  "dba" in input.subject.groups
  not input.context.sql.text
}

decision := {
  "effect": "require_approval",
  "reasons": [{"id": "guardrails/prod-pii", "text": "PII in prod needs an approval"}],
  "obligations": {"mask": ["email", "ssn"]},
} if {
  input.context.sql.text
  input.resource.attributes.env == data.pii.env
}
`;

describe('prepareRegoEvaluator with opa-built WASM', () => {
  let guardrails: RegoEvaluator;
  beforeAll(async () => {
    guardrails = await evaluatorFor('guardrails', GUARDRAILS, { pii: { env: 'prod' } });
  });
  afterAll(() => guardrails.close());

  it('a dba query with no SQL text is allowed with the reason prefixed by the entrypoint', () => {
    const decision = guardrails.evaluate(request());
    expect(decision).toEqual({
      engine: 'rego',
      effect: 'allow',
      reasons: ['rego:gatehouse/decision: dba may query'],
      obligations: {},
      determining: ['gatehouse/decision'],
      errors: [],
    });
  });

  it('a subject outside dba falls to the default deny', () => {
    const decision = guardrails.evaluate(request({ subject: { id: 'bob', groups: ['dev'] } }));
    expect(decision.effect).toBe('deny');
    expect(decision.reasons).toEqual(['rego:gatehouse/decision: no rule allows this request']);
    expect(decision.errors).toEqual([]);
  });

  it('SQL on a prod database (data.json) requires approval with mask obligations and an object reason id', () => {
    const decision = guardrails.evaluate(request({ context: { sql: { text: 'SELECT * FROM users' } } }));
    expect(decision.effect).toBe('require_approval');
    expect(decision.obligations).toEqual({ mask: ['email', 'ssn'] });
    expect(decision.reasons).toEqual(['rego:guardrails/prod-pii: PII in prod needs an approval']);
    expect(decision.determining).toEqual(['gatehouse/decision', 'guardrails/prod-pii']);
  });

  it('an input.time that is not RFC 3339 is a deny naming the problem', () => {
    const decision = guardrails.evaluate(request({ time: 'yesterday' }));
    expect(decision.effect).toBe('deny');
    expect(decision.errors[0]).toContain('input.time');
  });

  it('a closed evaluator denies', () => {
    const evaluator = guardrails;
    const copy = request();
    evaluator.close();
    expect(evaluator.evaluate(copy).effect).toBe('deny');
  });
});

describe('decision shapes', () => {
  it('an undefined decision is a deny with the default-deny reason', async () => {
    const ev = await evaluatorFor('undefined', 'package gatehouse\n\ndecision := {"effect": "allow"} if input.action == "never"\n');
    const decision = ev.evaluate(request());
    expect(decision.effect).toBe('deny');
    expect(decision.reasons).toEqual(['rego:gatehouse/decision: decision is undefined (default deny)']);
    expect(decision.errors).toEqual([]);
  });

  const malformed: Array<[string, string, string]> = [
    ['an unknown effect', '{"effect": "permit"}', 'decision.effect must be one of'],
    ['a non-object decision', 'true', 'decision must be an object'],
    ['reasons that are a string', '{"effect": "allow", "reasons": "ok"}', 'decision.reasons must be an array'],
    ['a reason that is a number', '{"effect": "allow", "reasons": [1]}', 'decision.reasons[0]'],
    ['a misspelt obligations key', '{"effect": "allow", "obligation": {"mask": ["email"]}}', 'unknown key "obligation"'],
    ['a mask that is a string', '{"effect": "allow", "obligations": {"mask": "email"}}', 'decision.obligations.mask'],
    ['a missing effect', '{"reasons": ["x"]}', 'decision.effect must be one of'],
  ];
  for (const [what, value, message] of malformed) {
    it(`${what} is a deny listing the error`, async () => {
      const ev = await evaluatorFor(`malformed-${what.replace(/\W+/g, '-')}`, `package gatehouse\n\ndecision := ${value}\n`);
      const decision = ev.evaluate(request());
      expect(decision.effect).toBe('deny');
      expect(decision.errors.join('\n')).toContain(message);
      ev.close();
    });
  }

  it('a reasons set (partial rule) becomes reason strings', async () => {
    const ev = await evaluatorFor('reason-set', `package gatehouse

reasons contains "b reason" if true
reasons contains "a reason" if true

decision := {"effect": "deny", "reasons": reasons}
`);
    // The WASM runtime emits a set in its own (deterministic) order, not sorted as opa eval does.
    expect([...ev.evaluate(request()).reasons].sort()).toEqual(['rego:gatehouse/decision: a reason', 'rego:gatehouse/decision: b reason']);
  });

  it('conflicting complete rules (an evaluation error) are a deny with the error, and the next call still works', async () => {
    const ev = await evaluatorFor('conflict', `package gatehouse

decision := {"effect": "allow"} if input.action == "db.query"
decision := {"effect": "deny"} if input.subject.id == "alice"
`);
    const failed = ev.evaluate(request());
    expect(failed.effect).toBe('deny');
    expect(failed.errors.length).toBe(1);
    expect(ev.evaluate(request({ subject: { id: 'carol' } })).effect).toBe('allow');
  });
});

describe('the clock', () => {
  it('time.now_ns() equals input.time to the nanosecond, beyond 2^53', async () => {
    const ev = await evaluatorFor('clock', `package gatehouse

decision := {"effect": "allow", "reasons": [sprintf("%d", [time.now_ns() - 1795600800000000000])]} if {
  time.now_ns() == time.parse_rfc3339_ns(input.time)
  time.now_ns() == 1795600800123456789
  time.format(time.now_ns()) == "2026-11-25T10:00:00.123456789Z"
}
`);
    const decision = ev.evaluate(request());
    expect(decision.effect).toBe('allow');
    expect(decision.reasons).toEqual(['rego:gatehouse/decision: 123456789']);
  });

  it('business hours in a time zone follow input.time, not the machine clock', async () => {
    const ev = await evaluatorFor('hours', `package gatehouse

default decision := {"effect": "deny", "reasons": ["outside business hours"]}

decision := {"effect": "allow", "reasons": ["business hours"]} if {
  [hour, _, _] := time.clock([time.now_ns(), "Europe/Berlin"])
  hour >= 9
  hour < 18
  not time.weekday([time.now_ns(), "Europe/Berlin"]) in {"Saturday", "Sunday"}
}
`);
    expect(ev.evaluate(request({ time: '2026-11-25T10:00:00Z' })).effect).toBe('allow'); // Wed 11:00 CET
    expect(ev.evaluate(request({ time: '2026-11-25T17:30:00Z' })).effect).toBe('deny'); // 18:30 CET
    expect(ev.evaluate(request({ time: '2026-11-28T10:00:00Z' })).effect).toBe('deny'); // Saturday
  });

  it('a builtin error makes the call undefined, as in OPA (not an evaluation failure)', async () => {
    const ev = await evaluatorFor('builtin-error', `package gatehouse

default decision := {"effect": "deny", "reasons": ["bad timestamp"]}

decision := {"effect": "allow"} if time.parse_rfc3339_ns(input.context.ts) > 0
`);
    const decision = ev.evaluate(request({ context: { ts: 'not a time' } }));
    expect(decision).toMatchObject({ effect: 'deny', reasons: ['rego:gatehouse/decision: bad timestamp'], errors: [] });
    expect(ev.lastBuiltinErrors()[0]).toContain('time.parse_rfc3339_ns');
  });
});

describe('build and load failures', () => {
  it('a policy calling http.send fails the build naming the builtin', async () => {
    const file = dir.write('http.rego', 'package gatehouse\n\ndecision := {"effect": "allow", "reasons": [r.body]} if {\n  r := http.send({"method": "GET", "url": "http://127.0.0.1:1"})\n}\n');
    const error = await compileRegoToWasm({ files: [file], baseDir: dir.path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegoCompileError);
    const compileError = error as RegoCompileError;
    expect(compileError.code).toBe('GATEHOUSE_REGO_COMPILE');
    expect(compileError.message).toMatch(/^http\.rego:4: .*http\.send/);
    expect(compileError.errors[0]).toMatchObject({ file: 'http.rego', line: 4 });
  });

  it('net.lookup_ip_addr fails the build too, and every error is listed', async () => {
    const file = dir.write('net.rego', 'package gatehouse\n\nx := net.lookup_ip_addr("example.com")\ny := http.send({})\ndecision := {"effect": "allow"}\n');
    const error = (await compileRegoToWasm({ files: [file], baseDir: dir.path }).catch((e: unknown) => e)) as RegoCompileError;
    expect(error.errors.map((e) => `${e.file}:${e.line}`)).toEqual(['net.rego:3', 'net.rego:4']);
    expect(error.message).toContain('net.lookup_ip_addr');
    expect(error.message).toContain('(and 1 more)');
  });

  it('a syntax error reports file:line relative to the base directory', async () => {
    dir.write('nested-ok.rego', 'package gatehouse\n\ndecision := {"effect": "allow"}\n');
    const file = dir.write('broken.rego', 'package gatehouse\n\nfoo if {\n  x :=\n}\n');
    const error = (await compileRegoToWasm({ files: [file], baseDir: dir.path }).catch((e: unknown) => e)) as RegoCompileError;
    expect(error).toBeInstanceOf(RegoCompileError);
    expect(error.errors[0]).toMatchObject({ file: 'broken.rego', line: 5 });
    expect(error.message).toMatch(/^broken\.rego:5: rego_parse_error: /);
    expect(error.message).not.toContain('\n');
  });

  it('a type error carries opa\'s have/want detail on the same line', async () => {
    const file = dir.write('types.rego', 'package gatehouse\n\ndecision := {"effect": "allow", "n": count(1)}\n');
    const error = (await compileRegoToWasm({ files: [file], baseDir: dir.path }).catch((e: unknown) => e)) as RegoCompileError;
    expect(error.errors[0]!.message).toMatch(/; have: \(number.*; want: /);
  });

  it('a missing entrypoint rule fails the build with opa\'s message', async () => {
    const file = dir.write('noentry.rego', 'package gatehouse\n\nallow := true\n');
    const error = (await compileRegoToWasm({ files: [file], baseDir: dir.path }).catch((e: unknown) => e)) as RegoCompileError;
    expect(error).toBeInstanceOf(RegoCompileError);
    expect(error.message).toContain('gatehouse/decision');
  });

  it('a module needing a builtin Gatehouse does not supply is refused at load, naming it', async () => {
    // Built without Gatehouse's capabilities (plain opa), as a foreign bundle would be.
    const { runOpa } = await import('../../../../engine/evaluation/toolchain/opa-cli.ts');
    const { x } = await import('tar');
    const { readFile } = await import('node:fs/promises');
    const file = dir.write('foreign.rego', 'package gatehouse\n\ndecision := {"effect": "allow", "reasons": [uuid.rfc4122("x")]}\n');
    const out = `${dir.path}/foreign.tar.gz`;
    runOpa(['build', '-t', 'wasm', '-e', 'gatehouse/decision', '-o', out, file]);
    await x({ file: out, cwd: dir.path });
    const wasm = new Uint8Array(await readFile(`${dir.path}/policy.wasm`));
    const error = await prepareRegoEvaluator({ wasm, data: {}, entrypoint: 'gatehouse/decision' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegoLoadError);
    expect((error as RegoLoadError).code).toBe('GATEHOUSE_REGO_LOAD');
    expect((error as Error).message).toBe('bundle needs builtin uuid.rfc4122, which Gatehouse does not supply');
  });

  it('a wrong entrypoint is refused at load', async () => {
    const file = dir.write('entry.rego', 'package gatehouse\n\ndecision := {"effect": "allow"}\n');
    const { wasm, data } = await compileRegoToWasm({ files: [file] });
    await expect(prepareRegoEvaluator({ wasm, data, entrypoint: 'gatehouse/other' })).rejects.toThrow(/no entrypoint gatehouse\/other/);
  });

  it('bytes that are not WebAssembly are refused at load', async () => {
    await expect(prepareRegoEvaluator({ wasm: new Uint8Array([1, 2, 3]), data: {} })).rejects.toBeInstanceOf(RegoLoadError);
  });
});

describe('memory', () => {
  it('linear memory stays bounded over many evaluations with large inputs', async () => {
    const ev = await evaluatorFor('memory', `package gatehouse

decision := {"effect": "allow", "reasons": [sprintf("%d", [count(input.context.rows)])]}
`);
    const rows = Array.from({ length: 2000 }, (_, i) => ({ id: i, email: `user${i}@example.com` }));
    const input = request({ context: { rows } });
    ev.evaluate(input);
    const after1 = ev.memoryBytes();
    for (let i = 0; i < 300; i++) expect(ev.evaluate(input).effect).toBe('allow');
    expect(ev.memoryBytes()).toBeLessThanOrEqual(after1 * 2);
  });
});
