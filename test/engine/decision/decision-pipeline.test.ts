import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openFileAuditSink } from '../../../audit/file-audit-sink.ts';
import type { AuditSink } from '../../../audit/audit-sink.ts';
import type { ApprovalGate, TokenGate } from '../../../engine/decision/decision-hooks.ts';
import { computeFacts, initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import type { Decision, Effect } from '../../../engine/model/index.ts';
import type { DecisionInput, TokenFacts } from '../../../engine/model/index.ts';
import type { DecideCall } from '../../../engine/decision/decide-call.ts';
import { DecisionPipeline, type DecidingBundle, type DecisionPipelineOptions } from '../../../engine/decision/decision-pipeline.ts';
import { RequestIdConflictError } from '../../../engine/decision/request-errors.ts';
import { Registry } from 'prom-client';

// The pipeline's order and fail-closed rules, with the TokenGate/ApprovalGate seams implemented
// in the test (their real implementations are tested in test/engine/control/tokens and test/engine/control/approvals) and a
// bundle whose answer the test sets. Policy engines over gRPC are in decision-server.test.ts.

const NOW = new Date('2026-11-25T10:00:00Z');

class ScriptedBundle implements DecidingBundle {
  readonly revision = 'rev-test';
  inputs: DecisionInput[] = [];
  constructor(public answer: (input: DecisionInput) => Decision) {}
  evaluate(input: DecisionInput): Decision {
    this.inputs.push(input);
    return this.answer(input);
  }
}

const decision = (effect: Effect, reasons: string[] = [], obligations = {}): Decision => ({ effect, reasons, obligations, engines: [] });

const TOKEN: TokenFacts = {
  id: 'jti-1',
  subject: 'planner-1',
  executor: 'agent-7',
  actions: ['db.query', 'db.connect'],
  resource: { type: 'Database', id: 'orders' },
  constraints: {},
  groups: ['dba'],
  maxUses: 5,
  uses: 0,
  expiresAt: '2026-11-25T10:05:00Z',
};

class TestTokenGate implements TokenGate {
  checks = 0;
  consumed: string[] = [];
  failCheck?: { check: string; reason: string };
  failUse?: string;
  async check() {
    this.checks++;
    if (this.failCheck) return { ok: false as const, ...this.failCheck };
    return { ok: true as const, token: TOKEN, subject: { id: TOKEN.subject, type: 'User', groups: TOKEN.groups } };
  }
  async consumeUse(_token: TokenFacts, requestId: string) {
    if (this.failUse) return { ok: false as const, reason: this.failUse };
    if (!this.consumed.includes(requestId)) this.consumed.push(requestId);
    return { ok: true as const, uses: this.consumed.length };
  }
}

class TestApprovalGate implements ApprovalGate {
  requested: string[] = [];
  window?: string;
  async findWindow() {
    return this.window ? { approvalId: this.window } : undefined;
  }
  async requestApproval(request: { requestId: string }) {
    this.requested.push(request.requestId);
    return { approvalId: `appr-${request.requestId}` };
  }
}

const call = (over: Partial<DecideCall> = {}): DecideCall => ({
  subject: { id: 'alice', type: 'User', groups: ['dba'], claims: {} },
  action: 'db.query',
  resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
  context: { sql: { text: 'SELECT id FROM orders' } },
  ...over,
});

let dir: string;
let sink: AuditSink & { path: string };
let sinkCount = 0;

async function newSink(): Promise<AuditSink & { path: string }> {
  return openFileAuditSink(join(dir, `audit-${sinkCount++}.jsonl`), { source: 'gatehouse://test/pipeline', registry: new Registry() });
}

function auditedDecisionIds(): string[] {
  return readFileSync(sink.path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).data.decisionId as string);
}

function pipeline(bundle: DecidingBundle | undefined, options: Partial<DecisionPipelineOptions> = {}): DecisionPipeline {
  return new DecisionPipeline({
    bundles: { current: () => bundle },
    computeFacts,
    auditSink: sink,
    clock: () => NOW,
    ...options,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-pipeline-'));
  await initFactExtractors();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  sink = await newSink();
});

describe('decision pipeline', () => {
  it('an allow is audited before it is answered, with service time and computed SQL facts in the input', async () => {
    const bundle = new ScriptedBundle(() => decision('allow'));
    const answer = await pipeline(bundle).decide(call({ requestId: 'r-allow' }));
    expect(answer).toMatchObject({ effect: 'allow', policyRevision: 'rev-test', requestId: 'r-allow' });
    expect(auditedDecisionIds()).toContain(answer.decisionId);
    const input = bundle.inputs[0];
    expect(input.time).toBe(NOW.toISOString());
    expect(input.context.sql).toMatchObject({ statements: [{ kind: 'select', tables: ['orders'] }] });
  });

  it('a retry with the same request_id returns the same decision without evaluating again', async () => {
    const bundle = new ScriptedBundle(() => decision('allow'));
    const p = pipeline(bundle);
    const first = await p.decide(call({ requestId: 'r-retry' }));
    const second = await p.decide(call({ requestId: 'r-retry' }));
    expect(second).toEqual(first);
    expect(bundle.inputs).toHaveLength(1);
  });

  it('concurrent duplicates of one request_id are decided once', async () => {
    const bundle = new ScriptedBundle(() => decision('allow'));
    const p = pipeline(bundle);
    const answers = await Promise.all([1, 2, 3].map(() => p.decide(call({ requestId: 'r-dup' }))));
    expect(new Set(answers.map((a) => a.decisionId)).size).toBe(1);
    expect(bundle.inputs).toHaveLength(1);
  });

  it('the same request_id with a different request is refused as a conflict', async () => {
    const p = pipeline(new ScriptedBundle(() => decision('allow')));
    await p.decide(call({ requestId: 'r-conflict' }));
    await expect(p.decide(call({ requestId: 'r-conflict', action: 'db.drop' }))).rejects.toBeInstanceOf(RequestIdConflictError);
  });

  it('a request with a token on a service without token verification is denied', async () => {
    const bundle = new ScriptedBundle(() => decision('allow'));
    const answer = await pipeline(bundle).decide(call({ token: 'eyJ.raw.token' }));
    expect(answer.effect).toBe('deny');
    expect(answer.reasons).toEqual(['token: token verification not configured on this service']);
    expect(bundle.inputs).toHaveLength(0);
    expect(readFileSync(sink.path, 'utf8')).not.toContain('eyJ.raw.token');
  });

  it('a failed token check denies naming the check, before any policy runs', async () => {
    const gate = new TestTokenGate();
    gate.failCheck = { check: 'expired', reason: 'token expired at 2026-11-25T09:00:00Z' };
    const bundle = new ScriptedBundle(() => decision('allow'));
    const answer = await pipeline(bundle, { tokenGate: gate }).decide(call({ token: 't' }));
    expect(answer).toMatchObject({ effect: 'deny', reasons: ['token:expired: token expired at 2026-11-25T09:00:00Z'], policyRevision: '' });
    expect(bundle.inputs).toHaveLength(0);
  });

  it('an old request_id reused for a different command after its idempotency entry expired still consumes a use (regression: use skipping)', async () => {
    const gate = new TestTokenGate();
    const bundle = new ScriptedBundle(() => decision('allow'));
    // Two pipelines sharing the gate: the second has no memory of the first's request ids,
    // as after the idempotency TTL.
    await pipeline(bundle, { tokenGate: gate }).decide(call({ token: 't', requestId: 'r-old' }));
    await pipeline(bundle, { tokenGate: gate }).decide(call({ token: 't', requestId: 'r-old', context: { sql: { text: 'DELETE FROM orders WHERE id = 1' } } }));
    expect(gate.consumed).toHaveLength(2);
  });

  it('with a token the subject comes from the token, and db.query consumes one use once per request_id', async () => {
    const gate = new TestTokenGate();
    const bundle = new ScriptedBundle(() => decision('allow'));
    const p = pipeline(bundle, { tokenGate: gate });
    await p.decide(call({ token: 't', requestId: 'r-use', subject: { id: 'mallory', groups: ['admin'] } }));
    await p.decide(call({ token: 't', requestId: 'r-use', subject: { id: 'mallory', groups: ['admin'] } }));
    expect(gate.consumed).toHaveLength(1);
    expect(gate.consumed[0]).toMatch(/^r-use:/);
    expect(bundle.inputs[0].subject).toMatchObject({ id: 'planner-1', groups: ['dba'] });
    expect(bundle.inputs[0].token).toMatchObject({ id: 'jti-1', executor: 'agent-7', uses: 1 });
  });

  it('db.connect checks the token without consuming a use', async () => {
    const gate = new TestTokenGate();
    await pipeline(new ScriptedBundle(() => decision('allow')), { tokenGate: gate }).decide(call({ token: 't', action: 'db.connect' }));
    expect(gate.checks).toBe(1);
    expect(gate.consumed).toEqual([]);
  });

  it('a token with no uses left is denied', async () => {
    const gate = new TestTokenGate();
    gate.failUse = 'all 5 uses consumed';
    const answer = await pipeline(new ScriptedBundle(() => decision('allow')), { tokenGate: gate }).decide(call({ token: 't' }));
    expect(answer).toMatchObject({ effect: 'deny', reasons: ['token:uses: all 5 uses consumed'] });
  });

  it('require_approval without an approval gate stays require_approval with no approval id', async () => {
    const answer = await pipeline(new ScriptedBundle(() => decision('require_approval', ['rego:gatehouse/decision: prod write']))).decide(call());
    expect(answer.effect).toBe('require_approval');
    expect(answer.approvalId).toBeUndefined();
  });

  it('require_approval creates one approval per request_id, also when retried', async () => {
    const gate = new TestApprovalGate();
    const p = pipeline(new ScriptedBundle(() => decision('require_approval')), { approvalGate: gate });
    const first = await p.decide(call({ requestId: 'r-approve' }));
    const again = await p.decide(call({ requestId: 'r-approve' }));
    expect(first).toMatchObject({ effect: 'require_approval', approvalId: 'appr-r-approve' });
    expect(again.decisionId).toBe(first.decisionId);
    expect(gate.requested).toEqual(['r-approve']);
  });

  it('an open approval window turns require_approval into allow, reason naming the approval', async () => {
    const gate = new TestApprovalGate();
    gate.window = 'appr-42';
    const answer = await pipeline(new ScriptedBundle(() => decision('require_approval')), { approvalGate: gate }).decide(call());
    expect(answer.effect).toBe('allow');
    expect(answer.reasons).toContain('approval:appr-42: allowed within the approval window');
    expect(gate.requested).toEqual([]);
  });

  it('an audit sink that cannot write turns an allow into a deny with an audit reason, not remembered', async () => {
    const broken = sink;
    await broken.close();
    let target: AuditSink = broken;
    const switching: AuditSink = { append: (draft) => target.append(draft), close: async () => undefined };
    const p = pipeline(new ScriptedBundle(() => decision('allow')), { auditSink: switching });
    const answer = await p.decide(call({ requestId: 'r-audit' }));
    expect(answer.effect).toBe('deny');
    expect(answer.reasons[0]).toMatch(/^audit: /);
    sink = await newSink();
    target = sink;
    const retried = await p.decide(call({ requestId: 'r-audit' }));
    expect(retried.effect).toBe('allow');
    expect(auditedDecisionIds()).toEqual([retried.decisionId]);
  });

  it('with audit-required=false an unwritable audit sink does not change the answer', async () => {
    await sink.close();
    const answer = await pipeline(new ScriptedBundle(() => decision('allow')), { auditRequired: false }).decide(call());
    expect(answer.effect).toBe('allow');
  });

  it('a request whose deadline has passed is denied and a later retry is decided afresh', async () => {
    const bundle = new ScriptedBundle(() => decision('allow'));
    const p = pipeline(bundle);
    const late = await p.decide(call({ requestId: 'r-late' }), { deadline: Date.now() - 1 });
    expect(late).toMatchObject({ effect: 'deny', reasons: ['service: deadline exceeded before evaluation'] });
    const retry = await p.decide(call({ requestId: 'r-late' }), { deadline: Date.now() + 60_000 });
    expect(retry.effect).toBe('allow');
    expect(retry.decisionId).not.toBe(late.decisionId);
  });

  it('an engine that throws yields a deny, never an open door', async () => {
    const answer = await pipeline(new ScriptedBundle(() => {
      throw new Error('wasm trap');
    })).decide(call());
    expect(answer).toMatchObject({ effect: 'deny', reasons: ['service: internal error: wasm trap'] });
  });

  it('an engine answer outside the contract (unknown effect) is a deny', async () => {
    const answer = await pipeline(new ScriptedBundle(() => decision('permit' as Effect))).decide(call());
    expect(answer.effect).toBe('deny');
  });

  it('SQL that does not parse is denied with a facts reason', async () => {
    const bundle = new ScriptedBundle(() => decision('allow'));
    const answer = await pipeline(bundle).decide(call({ context: { sql: { text: 'SELEC nonsense FROM' } } }));
    expect(answer.effect).toBe('deny');
    expect(answer.reasons[0]).toMatch(/^facts: /);
    expect(bundle.inputs).toHaveLength(0);
  });

  it('without an active bundle every request is denied', async () => {
    const answer = await pipeline(undefined).decide(call());
    expect(answer).toMatchObject({ effect: 'deny', reasons: ['service: no active policy bundle'] });
  });
});
