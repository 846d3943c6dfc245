import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import { decisionEventDraft } from '../../audit/decision-event.ts';
import { buildBundle } from '../../engine/bundle/build-bundle.ts';
import { loadBundle } from '../../engine/testing/load-self-tested-bundle.ts';
import { computeFacts, initFactExtractors } from '../../engine/evaluation/facts/compute-facts.ts';
import type { DecisionInput } from '../../engine/model/index.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
const BIN = resolve(import.meta.dirname, '../../bin/gatehouse');
let work: string;
let recorded: string;
let dropDecisionIds: string[];

// Base: deny DELETE without WHERE, allow the rest. Candidate: also deny DROP.
const BASE = `package gatehouse

deny_reasons contains {"id": "no-unbounded-delete", "text": "DELETE without WHERE"} if {
	some s in input.context.sql.statements
	s.kind == "delete"
	not s.hasWhere
}

decision := {"effect": "deny", "reasons": sort(deny_reasons), "obligations": {}} if {
	count(deny_reasons) > 0
} else := {"effect": "allow", "reasons": [], "obligations": {}}
`;
const CANDIDATE = BASE.replace(
  'decision :=',
  `deny_reasons contains {"id": "no-drop", "text": "DROP is not allowed"} if {
	some s in input.context.sql.statements
	s.kind == "drop"
}

decision :=`,
);

function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(BIN, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function policyBundle(name: string, rego: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'gatehouse.yaml'), `name: ${name}\nengines: [rego]\n`);
  await writeFile(join(dir, 'main.rego'), rego);
  const out = join(work, `${name}.tar.gz`);
  await buildBundle(dir, out);
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gh-replay-'));
  const basePath = await policyBundle('base', BASE);
  await policyBundle('base-copy', BASE);
  await policyBundle('candidate', CANDIDATE);
  await initFactExtractors();
  const base = await loadBundle(basePath);
  recorded = join(work, 'audit.jsonl');
  const sink = await createAuditSink(`file:${recorded}`, { source: 'gatehouse://replay-test', logger: quiet, registry: new Registry() });
  const texts = [
    'SELECT id FROM orders',
    'SELECT email FROM users WHERE id = 1',
    'DELETE FROM orders',
    'DELETE FROM orders WHERE id = 3',
    'DROP TABLE audit_old',
    "ALTER ROLE app PASSWORD 'hunter2'",
    'DROP INDEX orders_idx',
    'UPDATE orders SET paid = true WHERE id = 9',
  ];
  dropDecisionIds = [];
  for (let i = 0; i < texts.length * 3; i++) {
    const text = texts[i % texts.length]!;
    const raw: DecisionInput = {
      subject: { id: 'planner-1', groups: ['dba'] },
      action: 'db.query',
      resource: { type: 'Database', id: 'orders' },
      context: { sql: { text } },
      time: '2026-11-25T10:00:00Z',
      sessionId: `session-${i % 2}`,
      requestId: `req-${i}`,
    };
    const facts = computeFacts(raw.context);
    const input = { ...raw, context: facts.context };
    const decision = base.evaluate(input);
    const decisionId = `dec-${i}`;
    if (text.startsWith('DROP')) dropDecisionIds.push(decisionId);
    await sink.append(
      decisionEventDraft({ decisionId, requestId: raw.requestId!, sessionId: raw.sessionId, effect: decision.effect, reasons: decision.reasons, obligations: decision.obligations, policyRevision: base.revision, engineMicros: 10, input }),
    );
  }
  await sink.close();
  base.close();
}, 180_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('gatehouse replay decisions (real bundles)', () => {
  it('a candidate that also denies DROP reports exactly the DROP decisions as allow→deny and exits 3', async () => {
    const result = await gatehouse(['replay', 'decisions', '--source', `file:${recorded}`, '--bundle', join(work, 'candidate.tar.gz'), '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ replayed: 24, changed: 6, unchanged: 18, unfaithful: 0, transitions: { 'allow→deny': 6 } });
    expect(report.policies).toEqual({ 'rego:no-drop': 6 });
    expect(report.sample.map((c: { decisionId: string }) => c.decisionId).sort()).toEqual([...dropDecisionIds].sort());
  });

  it('an identical bundle (rebuilt from the same policy) reports no change and exits 0', async () => {
    const result = await gatehouse(['replay', 'decisions', '--source', `file:${recorded}`, '--bundle', join(work, 'base-copy.tar.gz')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/replayed 24 decisions/);
    expect(result.stdout).toMatch(/no decision would change/);
  });

  it('a record with an unknown schema version counts as changed and is listed; --since excludes older records', async () => {
    const odd = join(work, 'odd.jsonl');
    const event = {
      specversion: '1.0', id: 'ev-future', source: 'x', type: 'gatehouse.decision.v1', time: '2026-11-25T10:00:00Z', subject: 's',
      datacontenttype: 'application/json', sequence: '1', prevhash: '0'.repeat(64), recordedtime: '2026-11-25T10:00:00.010Z', data: { schemaVersion: 99, effect: 'allow' },
    };
    await writeFile(odd, JSON.stringify(event) + '\n');
    const result = await gatehouse(['replay', 'decisions', '--source', `file:${odd}`, '--bundle', join(work, 'base-copy.tar.gz')]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('ev-future');
    expect(result.stdout).toMatch(/unknown decision schema version 99/);
    const later = await gatehouse(['replay', 'decisions', '--source', `file:${odd}`, '--bundle', join(work, 'base-copy.tar.gz'), '--since', '2030-01-01T00:00:00Z']);
    expect(later.code).toBe(0);
  });

  it('replay session prints one session in order', async () => {
    const result = await gatehouse(['replay', 'session', 'session-1', '--source', `file:${recorded}`]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.every((line) => line.includes('decision'))).toBe(true);
    expect(result.stdout).not.toContain('hunter2');
  });
});

describe('gatehouse replay session --format asciicast', () => {
  it("turns an SSH session's input and output events into asciicast v2 frames in order", async () => {
    const path = join(work, 'session.jsonl');
    const sink = await createAuditSink(`file:${path}`, { source: 'gatehouse://asciicast-test', logger: quiet, registry: new Registry() });
    const ssh = (sequence: number, t: number, data: Record<string, string | number>) => ({
      type: 'gatehouse.session.v1' as const,
      subject: 'tty-1',
      data: { sessionId: 'tty-1', protocol: 'ssh', resource: { type: 'Host', id: 'web-1' }, sequence, t, ...data },
    });
    await sink.append(ssh(1, 0, { kind: 'start', width: 100, height: 30 }));
    await sink.append(ssh(2, 0.5, { kind: 'input', channel: 0, text: 'ls\r' }));
    await sink.append(ssh(3, 0.75, { kind: 'output', channel: 0, text: 'a b c\r\n' }));
    await sink.append({ type: 'gatehouse.session.v1', subject: 'other', data: { sessionId: 'other', protocol: 'ssh', sequence: 1, t: 0, kind: 'output', channel: 0, text: 'not mine' } });
    await sink.append({ type: 'gatehouse.session.v1', subject: 'pg-1', data: { sessionId: 'pg-1', protocol: 'postgres', event: 'start' } });
    await sink.close();
    const result = await gatehouse(['replay', 'session', 'tty-1', '--source', `file:${path}`, '--format', 'asciicast']);
    expect(result.code).toBe(0);
    const [header, ...frames] = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(header).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(frames.filter((frame: unknown[]) => frame[1] !== 'm').map((frame: unknown[]) => frame.slice(1))).toEqual([
      ['i', 'ls\r'],
      ['o', 'a b c\r\n'],
    ]);
    const notTerminal = await gatehouse(['replay', 'session', 'pg-1', '--source', `file:${path}`, '--format', 'asciicast']);
    expect(notTerminal.code).toBe(1);
    expect(notTerminal.stderr).toMatch(/no terminal recording/);
    const missing = await gatehouse(['replay', 'session', 'nope', '--source', `file:${path}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no events for session nope/);
  });
});
