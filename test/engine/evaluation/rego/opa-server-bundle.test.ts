import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../../../engine/bundle/build-bundle.ts';
import { loadBundle } from '../../../../engine/testing/load-self-tested-bundle.ts';
import { computeFacts, initFactExtractors } from '../../../../engine/evaluation/facts/compute-facts.ts';
import type { EngineDecision } from '../../../../engine/model/index.ts';
import type { DecisionInput } from '../../../../engine/model/index.ts';
import type { PreparedBundle } from '../../../../engine/bundle/prepared-bundle.ts';
import type { RegoValue } from '../../../../engine/evaluation/rego/builtins/rego-value.ts';
import { mapRegoResult } from '../../../../engine/evaluation/rego/rego-decision.ts';
import { parseDecisionTestFile } from '../../../../engine/bundle/parse-decision-test-file.ts';
import { findOpa } from '../../../../engine/evaluation/toolchain/opa-cli.ts';
import { freePort } from '../../../support/free-port.ts';

// A Gatehouse bundle of the shipped policy/ loaded by the opa that scripts/install-opa builds
// (with WebAssembly support) in `opa run --server`, asked the Rego question of every example
// request (policy/tests/*.yaml, with the facts Gatehouse computes): its answers and Gatehouse's
// own Rego answers must be the same.
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const ENTRYPOINT = 'gatehouse/decision';

let work: string;
let bundlePath: string;
let bundle: PreparedBundle;
let opa: ChildProcess | undefined;
let opaUrl: string;
let opaLog = '';

beforeAll(async () => {
  await initFactExtractors();
  work = await mkdtemp(join(tmpdir(), 'gh-opa-server-'));
  bundlePath = join(work, 'bundle.tar.gz');
  await buildBundle(join(ROOT, 'policy'), bundlePath);
  bundle = await loadBundle(bundlePath);

  const port = await freePort();
  opaUrl = `http://127.0.0.1:${port}`;
  opa = spawn(findOpa(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '--bundle', bundlePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  opa.stdout!.on('data', (chunk) => (opaLog += chunk));
  opa.stderr!.on('data', (chunk) => (opaLog += chunk));
  const exited = new Promise<never>((_, reject) => opa!.on('exit', (code) => reject(new Error(`opa run --server exited (${code}) before its bundle was ready:\n${opaLog}`))));
  // Ready once /health?bundles reports the bundle activated; the loop ends with opa's log if opa exits.
  const ready = (async () => {
    for (;;) {
      const answer = await fetch(`${opaUrl}/health?bundles`).catch(() => undefined);
      if (answer?.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await Promise.race([ready, exited]);
}, 300_000);

afterAll(async () => {
  bundle?.close();
  if (opa && opa.exitCode === null) {
    const gone = new Promise((resolve) => opa!.once('exit', resolve));
    opa.kill('SIGTERM');
    await gone;
  }
  if (work) await rm(work, { recursive: true, force: true });
});

async function exampleInputs(): Promise<Array<{ name: string; input: DecisionInput }>> {
  const dir = join(ROOT, 'policy', 'tests');
  const inputs: Array<{ name: string; input: DecisionInput }> = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.yaml')).sort()) {
    const parsed = parseDecisionTestFile(`tests/${file}`, await readFile(join(dir, file), 'utf8'));
    for (const testCase of parsed.cases) {
      const facts = computeFacts(testCase.input.context);
      // A request whose facts cannot be computed is denied before Rego is asked.
      if (facts.errors.length > 0) continue;
      inputs.push({ name: `${file}: ${testCase.name}`, input: { ...testCase.input, context: facts.context } });
    }
  }
  return inputs;
}

async function opaDecision(input: DecisionInput): Promise<EngineDecision> {
  const response = await fetch(`${opaUrl}/v1/data/${ENTRYPOINT}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  expect(response.status, opaLog).toBe(200);
  const body = (await response.json()) as { result?: RegoValue };
  return mapRegoResult(body.result === undefined ? [] : [{ result: body.result }], ENTRYPOINT);
}

function comparable(decision: EngineDecision | undefined) {
  return decision && { effect: decision.effect, reasons: [...decision.reasons].sort(), obligations: decision.obligations, errors: decision.errors };
}

describe('opa run --server with a Gatehouse bundle', () => {
  it('the opa of scripts/install-opa is built with WebAssembly support', async () => {
    const version = await new Promise<string>((resolve, reject) => {
      const child = spawn(findOpa(), ['version'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (chunk) => (out += chunk));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`opa version exited ${code}`))));
    });
    expect(version).toMatch(/WebAssembly: available/);
  });

  it("answers every example request as Gatehouse's Rego engine does", async () => {
    const inputs = await exampleInputs();
    expect(inputs.length).toBeGreaterThan(20);
    const effects = new Set<string>();
    for (const { name, input } of inputs) {
      const ours = bundle.evaluate(input).engines.find((engine) => engine.engine === 'rego');
      expect(ours, name).toBeDefined();
      const theirs = await opaDecision(input);
      expect(comparable(theirs), name).toEqual(comparable(ours));
      effects.add(theirs.effect);
    }
    // The comparison covered allow, deny and require_approval answers, not one kind only.
    expect([...effects].sort()).toEqual(['allow', 'deny', 'require_approval']);
  });
});
