import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadBundle } from '../../../engine/testing/load-self-tested-bundle.ts';
import { computeFacts, initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import type { DecisionInput } from '../../../engine/model/index.ts';
import type { PreparedBundle } from '../../../engine/bundle/prepared-bundle.ts';
import { bundleFileSource, type BundleSource } from '../../../engine/decision/bundle-source.ts';
import { DecisionPipeline } from '../../../engine/decision/decision-pipeline.ts';
import { EvaluationPool, EvaluationWorkerError } from '../../../engine/decision/evaluation-pool/evaluation-pool.ts';
import { pooledBundleSource } from '../../../engine/decision/evaluation-pool/pooled-bundle-source.ts';
import { BASE_POLICY, buildFixtureBundle, decide, query, startTestServer } from '../server/service-fixture.ts';

let work: string;
let bundleA: string;
let bundleB: string;
let revisionA: string;
let revisionB: string;
let inThread: PreparedBundle;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-pool-'));
  bundleA = join(work, 'a.tar.gz');
  bundleB = join(work, 'b.tar.gz');
  revisionA = await buildFixtureBundle(work, 'a', BASE_POLICY, bundleA);
  revisionB = await buildFixtureBundle(work, 'b', { ...BASE_POLICY, 'policy.rego': BASE_POLICY['policy.rego'].replace('"dev reads"', '"dev reads (b)"') }, bundleB);
  await initFactExtractors();
  inThread = await loadBundle(bundleA);
}, 120_000);

afterAll(() => {
  inThread?.close();
  rmSync(work, { recursive: true, force: true });
});

function input(over: Partial<DecisionInput>): DecisionInput {
  const base: DecisionInput = {
    subject: { id: 'alice', groups: ['dba'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } },
    context: { sql: { text: 'SELECT id, email FROM orders' } },
    time: '2026-11-25T10:00:00Z',
    ...over,
  };
  return { ...base, context: computeFacts(base.context).context };
}

/** Built after the fact extractors are loaded (beforeAll). */
const inputs = (): DecisionInput[] => [
  input({}),
  input({ resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } } }),
  input({ action: 'db.drop' }),
  input({ resource: { type: 'Database', id: 'secrets', attributes: { env: 'dev' } } }),
  input({ subject: { id: 'bob', groups: ['web'] } }),
  input({ action: 'ssh.exec', context: { command: { text: 'ls -la' } } }),
];

describe('evaluation pool', () => {
  it('workers give the same decisions as the in-thread bundle for allow, approval, deny, forbid and undefined', async () => {
    const pool = EvaluationPool.start({ size: 2 });
    try {
      const generation = await pool.load(bundleA, revisionA);
      const cases = inputs();
      const decisions = await Promise.all(cases.map((i) => generation.evaluate(i)));
      expect(decisions).toEqual(cases.map((i) => inThread.evaluate(i)));
      expect(new Set(decisions.map((d) => d.effect))).toEqual(new Set(['allow', 'require_approval', 'deny']));
    } finally {
      await pool.close();
    }
  });

  it('a bundle file that no longer holds the activated revision is refused by the workers', async () => {
    const pool = EvaluationPool.start({ size: 1 });
    try {
      await expect(pool.load(bundleB, revisionA)).rejects.toThrow(/now holds revision .* not the activated/);
      // The pool still serves a revision that loads.
      const generation = await pool.load(bundleA, revisionA);
      expect((await generation.evaluate(inputs()[0])).effect).toBe('allow');
    } finally {
      await pool.close();
    }
  });

  it('an evaluation on a worker that crashes is denied, and the replacement worker serves the next one', async () => {
    const failures: string[] = [];
    const pool = EvaluationPool.start({ size: 1, onWorkerFailure: (message) => failures.push(message) });
    try {
      const source = pooledBundleSource(bundleFileSource(bundleA), pool, { bundleFile: bundleA, activeRevision: () => undefined });
      const bundle = await source.load();
      const pipeline = new DecisionPipeline({
        bundles: { current: () => bundle },
        computeFacts,
        auditSink: { append: async () => { throw new Error('unused'); }, close: async () => {} },
        auditRequired: false,
      });
      const call = { subject: { id: 'alice', groups: ['dba'] }, action: 'db.query', resource: { type: 'Database', id: 'orders', attributes: { env: 'dev' } }, context: { sql: { text: 'SELECT id, email FROM orders' } } };
      // The pipeline hands the request to the worker synchronously; the kill lands before its answer.
      const pending = pipeline.decide(call);
      await pool.killWorker(0);
      const denied = await pending;
      expect(denied.effect).toBe('deny');
      expect(denied.reasons.join(' ')).toMatch(/evaluation worker was killed; the request is denied/);
      expect(failures.join(' ')).toMatch(/replacing it/);

      const after = await pipeline.decide(call);
      expect(after.effect).toBe('allow');
      expect(after.policyRevision).toBe(revisionA);
      await bundle.close();
    } finally {
      await pool.close();
    }
  });

  it('evaluations after close are rejected, never answered with an allow', async () => {
    const pool = EvaluationPool.start({ size: 1 });
    const generation = await pool.load(bundleA, revisionA);
    await pool.close();
    await expect(generation.evaluate(inputs()[0])).rejects.toBeInstanceOf(EvaluationWorkerError);
  });
});

describe('decision service with evaluation workers', () => {
  it('answers like the in-thread service and hot reload switches every worker to the new revision', async () => {
    const path = join(work, 'live.tar.gz');
    copyFileSync(bundleA, path);
    const pooled = await startTestServer(work, path, { evaluationWorkers: 2 });
    const plain = await startTestServer(work, bundleA, { evaluationWorkers: 0 });
    try {
      for (const env of ['dev', 'prod']) {
        const [a, b] = await Promise.all([decide(pooled.client, query(env)), decide(plain.client, query(env))]);
        expect({ ...a, decision_id: '' }).toEqual({ ...b, decision_id: '' });
      }
      const dropped = await decide(pooled.client, { ...query('dev'), action: 'db.drop' });
      expect(dropped.effect).toBe('EFFECT_DENY');

      copyFileSync(bundleB, `${path}.tmp`);
      renameSync(`${path}.tmp`, path);
      await vi.waitFor(() => expect(pooled.server.active.current()?.revision).toBe(revisionB), { timeout: 30_000, interval: 100 });
      // Many decisions at once: each is answered wholly by revision B (reason text and revision agree).
      const answers = await Promise.all(Array.from({ length: 20 }, () => decide(pooled.client, query('dev'))));
      for (const answer of answers) {
        expect(answer.policy_revision).toBe(revisionB);
        expect(answer.reasons).toContain('rego:gatehouse/decision: dev reads (b)');
      }
    } finally {
      await pooled.close();
      await plain.close();
    }
  }, 120_000);

  it('a reload the workers cannot load is refused like any reload failure: the active revision stays', async () => {
    // The service thread loads `live`, the workers `workerCopy`: after `live` changes to B the
    // workers still find A, refuse it, and the reload fails although the service thread loaded B.
    const live = join(work, 'live-split.tar.gz');
    const workerCopy = join(work, 'worker-copy.tar.gz');
    copyFileSync(bundleA, live);
    copyFileSync(bundleA, workerCopy);
    const source: BundleSource = { ...bundleFileSource(live), bundleFile: workerCopy, watch: false };
    const server = await startTestServer(work, live, { evaluationWorkers: 1, bundleSource: source });
    try {
      copyFileSync(bundleB, live);
      const result = await server.server.reload();
      expect(result.outcome).toBe('failed');
      expect(String((result as { error: unknown }).error)).toMatch(/evaluation worker could not load revision/);
      expect(server.server.active.current()?.revision).toBe(revisionA);
      const answer = await decide(server.client, query('dev'));
      expect(answer.policy_revision).toBe(revisionA);
      expect(answer.reasons).toContain('rego:gatehouse/decision: dev reads');
      const failures = await server.server.metrics.registry.getSingleMetricAsString('gatehouse_bundle_reload_failures_total');
      expect(failures).toMatch(/gatehouse_bundle_reload_failures_total [1-9]/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
