import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { need, services } from '../services/services-env.ts';
import { gatehouse, killAllServes, metricValue, ROOT, startServe, type ServeProcess } from './audit-serve-process.ts';
import { consumeUntilDecisions, decisionClient, sendTraffic, sha256, type AuditEventJson, type Consumed, type Sent } from './audit-traffic.ts';

// The audit stream through the service, end to end: a real `bin/gatehouse serve` process serving
// the example policy/ with `--audit kafka://…`, decisions over DecideStream from the data-plane
// SDK client, and what lands on Kafka read back by an independent kafkajs consumer and by
// `gatehouse audit verify` / `gatehouse replay decisions`.
//
// The broker is a PRIVATE one (GATEHOUSE_SERVICES_DIR), new for this run and deleted after it:
// the outage case stops it, which must not disturb other suites (or another run of this one),
// and `audit verify` / `replay` read whole topics, so exact counts must not depend on what
// anything else left on a shared broker.
const PRIVATE = join(ROOT, 'var', `services-e2e-audit-${process.pid}`);
// Every `serve` on this host records as this source (cli/commands/serve.ts).
const SOURCE = `gatehouse://${hostname()}/serve`;
const OUTAGE_SOURCE = `gatehouse://${hostname()}/serve-outage`;
const RUN = `e2e${Date.now().toString(36)}`;
const ENVELOPE = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'sequence', 'prevhash', 'recordedtime', 'data'];

let work: string;
let broker: string;
let baseBundle: string;
let candidateBundle: string;
let revision: string;
/** The service of the first three cases (kept running across them: one chain). */
let main: ServeProcess | undefined;
/** Every decision answered through `main` (traffic and secrets). */
const mainDecisions: Sent[] = [];
/** The outage case's chain as delivered, for the tampering case. */
let outageChain: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gh-e2e-audit-'));
  await rm(PRIVATE, { recursive: true, force: true });
  broker = need(await services('up', ['kafka'], PRIVATE), 'GATEHOUSE_KAFKA');

  baseBundle = join(work, 'base.tar.gz');
  const base = await gatehouse(['build', join(ROOT, 'policy'), '-o', baseBundle]);
  expect(base.code, base.stderr).toBe(0);
  revision = base.stdout.trim();

  // The candidate: a copy of policy/ with one rule changed. INSERT now counts as a write that
  // touches every row, so it waits for approval outside dev (policy/guard/sql.rego).
  const candidateDir = join(work, 'candidate-policy');
  await cp(join(ROOT, 'policy'), candidateDir, { recursive: true });
  const rule = join(candidateDir, 'guard', 'sql.rego');
  const text = await readFile(rule, 'utf8');
  const changed = text.replace('statement.kind in {"update", "delete"}', 'statement.kind in {"update", "delete", "insert"}');
  expect(changed).not.toBe(text);
  await writeFile(rule, changed);
  candidateBundle = join(work, 'candidate.tar.gz');
  const candidate = await gatehouse(['build', candidateDir, '-o', candidateBundle]);
  expect(candidate.code, candidate.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await killAllServes();
  await services('clean', ['kafka'], PRIVATE).catch(() => undefined);
  await rm(PRIVATE, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

function kafkaSpec(): string {
  return `kafka://${broker}`;
}

async function startMain(): Promise<ServeProcess> {
  main ??= await startServe(['--bundle', baseBundle, '--audit', kafkaSpec(), '--journal', join(work, 'journal-main')], work);
  return main;
}

function decisionEvents(consumed: Consumed, prefix: string): { record: Consumed['records'][number]; event: AuditEventJson }[] {
  return consumed.events.filter(({ event }) => event.type === 'gatehouse.decision.v1' && String(event.data.requestId).startsWith(`${prefix}-`));
}

/** The events of one chain, in sequence order, checked link by link with our own hashing. */
function expectOneUnbrokenChain(lines: string[]): void {
  const events = lines.map((line) => ({ line, event: JSON.parse(line) as AuditEventJson }));
  events.sort((a, b) => Number(a.event.sequence) - Number(b.event.sequence));
  expect(events.map(({ event }) => Number(event.sequence))).toEqual(events.map((_, i) => i + 1));
  expect(events[0]!.event.prevhash).toBe('0'.repeat(64));
  for (let i = 1; i < events.length; i++) expect(events[i]!.event.prevhash, `sequence ${i + 1}`).toBe(sha256(events[i - 1]!.line));
}

/** The same line delivered twice is a duplicate; one event id with two contents would be an edit. */
function uniqueLines(lines: string[]): string[] {
  const byId = new Map<string, string>();
  for (const line of lines) {
    const id = (JSON.parse(line) as AuditEventJson).id;
    const known = byId.get(id);
    if (known !== undefined) expect(line).toBe(known);
    byId.set(id, line);
  }
  return [...byId.values()];
}

describe('the audit stream through gatehouse serve (real Kafka)', () => {
  it('3,000 decisions over DecideStream: each is exactly one event id on gatehouse.decisions, none missing, complete, keyed and chained', async () => {
    const serve = await startMain();
    const started = Date.now();
    const client = decisionClient(serve.address);
    let sent: Sent[];
    try {
      sent = await sendTraffic(client, `${RUN}-t1`, 0, 3000);
    } finally {
      client.close();
    }
    mainDecisions.push(...sent);
    for (const { traffic, answer } of sent) {
      expect(answer.decisionId, `${traffic.name}: ${answer.reasons.join('; ')}`).not.toBe('');
      expect(answer.effect, `${traffic.name}: ${answer.reasons.join('; ')}`).toBe(traffic.effect);
      expect(answer.policyRevision).toBe(revision);
    }
    const byDecision = new Map(sent.map((s) => [s.answer.decisionId, s]));
    expect(byDecision.size).toBe(3000);

    const consumed = await consumeUntilDecisions(broker, sent);
    const finished = Date.now();
    const decisions = decisionEvents(consumed, `${RUN}-t1`);
    // Exact: one event id per decision answered, every decision answered is there, nothing else.
    const ids = new Set(decisions.map(({ event }) => event.id));
    expect(ids.size).toBe(3000);
    expect(new Set(decisions.map(({ event }) => event.data.decisionId))).toEqual(new Set(byDecision.keys()));
    // The broker was emptied at the start: every decision event on the topic is one of ours.
    expect(new Set(consumed.events.filter(({ event }) => event.type === 'gatehouse.decision.v1').map(({ event }) => event.id)).size).toBe(3000);

    for (const { record, event } of decisions) {
      const { ask, traffic, answer } = byDecision.get(event.data.decisionId!)!;
      const subjectId = ask.subject!.id;
      // envelope, key and headers
      expect(Object.keys(event)).toEqual(ENVELOPE);
      expect(record.topic).toBe('gatehouse.decisions');
      expect(event).toMatchObject({ specversion: '1.0', source: SOURCE, type: 'gatehouse.decision.v1', datacontenttype: 'application/json' });
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(event.sequence).toMatch(/^[1-9]\d*$/);
      expect(event.prevhash).toMatch(/^[0-9a-f]{64}$/);
      expect(new Date(event.time).toISOString()).toBe(event.time);
      expect(event.subject).toBe(ask.sessionId || subjectId);
      expect(record.key).toBe(event.subject);
      expect(record.headers['content-type']).toBe('application/cloudevents+json');
      // the decision as answered
      const data = event.data as Record<string, unknown>;
      expect(data).toMatchObject({
        schemaVersion: 1,
        decisionId: answer.decisionId,
        requestId: ask.requestId,
        sessionId: ask.sessionId || null,
        effect: answer.effect,
        reasons: answer.reasons,
        obligations: answer.obligations,
        policyRevision: revision,
      });
      expect(typeof data.engineMicros === 'number' && Number.isFinite(data.engineMicros) && data.engineMicros >= 0).toBe(true);
      if (answer.effect === 'require_approval') {
        expect(answer.approvalId).toBeTruthy();
        expect(data.approvalId).toBe(answer.approvalId);
      } else {
        expect(data.approvalId).toBeUndefined();
      }
      // the evaluated input: caller's subject, request, service time and computed facts
      const input = data.input as Record<string, unknown> & { subject: { id: string; groups: string[] }; context: Record<string, { statements?: { kind: string }[]; commands?: { argv: string[] }[]; text?: string }>; time: string };
      expect(input.subject).toMatchObject({ id: subjectId, groups: ask.subject!.groups });
      expect(input).toMatchObject({ action: ask.action, resource: ask.resource, requestId: ask.requestId });
      if (ask.sessionId) expect(input.sessionId).toBe(ask.sessionId);
      else expect(input.sessionId).toBeUndefined();
      expect(input.token).toBeUndefined();
      expect(new Date(input.time).toISOString()).toBe(input.time);
      expect(Date.parse(input.time)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(input.time)).toBeLessThanOrEqual(finished + 1000);
      const fact = traffic.fact;
      if (fact && 'sqlKind' in fact) {
        expect(input.context.sql!.text).toBe((ask.context.sql as { text: string }).text);
        expect(input.context.sql!.statements!.map((s) => s.kind)).toEqual([fact.sqlKind]);
      } else if (fact && 'argv0' in fact) {
        expect(input.context.command!.text).toBe((ask.context.command as { text: string }).text);
        expect(input.context.command!.commands![0]!.argv[0]).toBe(fact.argv0);
      }
    }

    // each require_approval decision requested one approval, recorded on gatehouse.approvals
    const pending = sent.filter((s) => s.answer.effect === 'require_approval');
    const requested = consumed.events.filter(({ event }) => event.type === 'gatehouse.approval.v1' && event.data.kind === 'requested');
    for (const { record } of requested) expect(record.topic).toBe('gatehouse.approvals');
    expect(new Set(requested.map(({ event }) => event.data.decisionId))).toEqual(new Set(pending.map((s) => s.answer.decisionId)));

    // the chain of this instance: our own hashing over what the consumer read ...
    const lines = uniqueLines(consumed.records.map((record) => record.value));
    expect(lines).toHaveLength(3000 + requested.length);
    expectOneUnbrokenChain(lines);
    // ... and the CLI reading the topics itself
    const verify = await gatehouse(['audit', 'verify', '--source', kafkaSpec(), '--format', 'json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; sources: { source: string; events: number; chains: number; firstSequence: number; lastSequence: number }[] };
    expect(report.ok).toBe(true);
    expect(report.sources).toEqual([expect.objectContaining({ source: SOURCE, events: lines.length, chains: 1, firstSequence: 1, lastSequence: lines.length })]);
  }, 600_000);

  it('a password in SQL text, in a command and raw tokens never appear on any topic (or in the service log)', async () => {
    const serve = await startMain();
    const orders = { type: 'Database', id: 'orders', attributes: { env: 'prod' } };
    const dana = { id: 'dana', groups: ['dba'] };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwtPayload = b64({ sub: 'planner-payments', aud: 'gatehouse', exp: 4102444800, marker: 'pAyLoAdMaRkEr' });
    const jwtSignature = Buffer.from('forged-signature-bytes-7f3a9c').toString('base64url');
    const jwt = `${b64({ alg: 'EdDSA', kid: 'forged' })}.${jwtPayload}.${jwtSignature}`;
    const opaque = 'ghx_RawOpaqueToken_Zq8Wv3Lp0Tn5';
    const sql = [
      "ALTER ROLE x PASSWORD 'hunter2'",
      "ALTER ROLE x WITH LOGIN ENCRYPTED PASSWORD E'hunter2-escaped'",
      'CREATE ROLE y LOGIN PASSWORD $pw$hunter2-dollar$pw$',
    ];
    const client = decisionClient(serve.address);
    const sent: Sent[] = [];
    try {
      for (const [i, text] of sql.entries()) {
        const ask = { subject: dana, action: 'db.query', resource: orders, context: { sql: { text } }, sessionId: `sess-${RUN}-secrets`, requestId: `${RUN}-s-sql${i}` };
        sent.push({ ask, traffic: { name: text, ask, effect: 'deny' }, answer: await client.decide(ask) });
      }
      // Commands that need approval: the policy quotes them in its reasons, which the decision
      // and the approval events both record.
      for (const [i, text] of ['mysql --password=hunter2 -h db', 'psql postgres://app:hunter2@db/x'].entries()) {
        const ask = { subject: { id: 'planner-web', groups: ['web'] }, action: 'ssh.exec', resource: { type: 'Host', id: 'web-1', attributes: { env: 'prod' } }, context: { command: { text } }, sessionId: `sess-${RUN}-secrets`, requestId: `${RUN}-s-cmd${i}` };
        sent.push({ ask, traffic: { name: text, ask, effect: 'require_approval' }, answer: await client.decide(ask) });
      }
      for (const [i, token] of [jwt, opaque].entries()) {
        const ask = { token, action: 'db.query', resource: orders, context: { sql: { text: 'SELECT 1' } }, sessionId: `sess-${RUN}-secrets`, requestId: `${RUN}-s-token${i}` };
        sent.push({ ask, traffic: { name: `token ${i}`, ask, effect: 'deny' }, answer: await client.decide(ask) });
      }
    } finally {
      client.close();
    }
    mainDecisions.push(...sent);
    for (const { traffic, answer } of sent) {
      expect(answer.decisionId).not.toBe('');
      expect(answer.effect, traffic.name).toBe(traffic.effect);
    }
    for (const { answer } of sent.slice(sql.length + 2)) expect(answer.reasons.every((reason) => reason.startsWith('token:'))).toBe(true);

    const consumed = await consumeUntilDecisions(broker, sent);
    const everything = consumed.records.map((r) => `${r.topic} ${r.key} ${JSON.stringify(r.headers)} ${r.value}`).join('\n');
    const secrets = ['hunter2', jwt, jwtPayload, jwtSignature, 'pAyLoAdMaRkEr', opaque];
    for (const secret of secrets) {
      expect(everything.includes(secret), `'${secret}' is on a topic`).toBe(false);
      expect(serve.output().includes(secret), `'${secret}' is in the service log`).toBe(false);
    }
    // the events are there, redacted rather than dropped
    const recorded = decisionEvents(consumed, `${RUN}-s`);
    expect(recorded).toHaveLength(sent.length);
    const first = recorded.find(({ event }) => event.data.requestId === `${RUN}-s-sql0`)!.event.data as { input: { context: { sql: { text: string } } }; redactions: string[] };
    expect(first.input.context.sql.text).toBe("ALTER ROLE x PASSWORD '[REDACTED]'");
    expect(first.redactions).toContain('input.context.sql.text');
    for (const { event } of recorded.filter(({ event }) => String(event.data.requestId).includes('-token'))) {
      expect((event.data as { input: { token?: unknown } }).input.token).toBeUndefined();
    }
  }, 300_000);

  it('replay from Kafka: a candidate with one rule changed reports exactly the affected decisions (exit 3); the same bundle none (exit 0)', async () => {
    expect(mainDecisions.length).toBeGreaterThan(3000);
    const affected = new Set(mainDecisions.filter((s) => s.traffic.name === 'insert').map((s) => s.answer.decisionId));
    expect(affected.size).toBeGreaterThan(0);

    const changed = await gatehouse(['replay', 'decisions', '--source', kafkaSpec(), '--bundle', candidateBundle, '--format', 'json', '--sample', '100000']);
    expect(changed.code, changed.stderr).toBe(3);
    const report = JSON.parse(changed.stdout) as {
      replayed: number;
      changed: number;
      unchanged: number;
      unfaithful: number;
      transitions: Record<string, number>;
      policies: Record<string, number>;
      sample: { decisionId: string; oldEffect: string; newEffect: string; kind: string }[];
    };
    expect(report.replayed).toBe(mainDecisions.length);
    expect(report.changed).toBe(affected.size);
    expect(report.unchanged).toBe(mainDecisions.length - affected.size);
    expect(report.unfaithful).toBe(0);
    expect(report.transitions).toEqual({ 'allow→require_approval': affected.size });
    expect(report.policies).toEqual({ 'rego:gatehouse/sql/unbounded-write': affected.size });
    expect(new Set(report.sample.map((change) => change.decisionId))).toEqual(affected);
    expect(report.sample.every((change) => change.kind === 'effect')).toBe(true);

    const same = await gatehouse(['replay', 'decisions', '--source', kafkaSpec(), '--bundle', baseBundle, '--format', 'json']);
    expect(same.code, same.stdout.slice(0, 4000) + same.stderr).toBe(0);
    const sameReport = JSON.parse(same.stdout) as { replayed: number; changed: number };
    expect(sameReport).toMatchObject({ replayed: mainDecisions.length, changed: 0 });

    expect(await main!.stop()).toBe(0);
    main = undefined;
  }, 300_000);

  it('journal full with audit required: decisions are denied with the journal-full reason; with --audit-required=false they are decided and the drop is counted', async () => {
    // Nothing listens on port 1: the shipper never gets an acknowledgement, so the journal only grows.
    const unreachable = 'kafka://127.0.0.1:1';
    const bound = 16_384;
    const ask = (prefix: string, i: number) => ({
      subject: { id: 'planner-payments', groups: ['payments'] },
      action: 'db.query',
      resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
      context: { sql: { text: 'SELECT id, total FROM orders WHERE id = 1' } },
      sessionId: `sess-${prefix}`,
      requestId: `${prefix}-${i}`,
    });

    const usage = await gatehouse(['serve', '--journal-max-bytes', '0']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("gatehouse: serve: --journal-max-bytes must be a positive whole number of bytes, got '0' [GATEHOUSE_USAGE]\n");

    const required = await startServe(['--bundle', baseBundle, '--audit', unreachable, '--journal', join(work, 'journal-full'), '--journal-max-bytes', String(bound)], work);
    let client = decisionClient(required.address);
    const answers = [];
    try {
      for (let i = 0; i < 400; i++) {
        const answer = await client.decide(ask(`${RUN}-full`, i));
        answers.push(answer);
        if (answer.effect === 'deny' && answers.filter((a) => a.effect === 'deny').length >= 5) break;
      }
    } finally {
      client.close();
    }
    const allowed = answers.filter((a) => a.effect === 'allow');
    const denied = answers.filter((a) => a.effect === 'deny');
    expect(allowed.length).toBeGreaterThan(0);
    expect(denied).toHaveLength(5);
    // once full, every later decision is denied: the allows all come first
    expect(answers.slice(0, allowed.length).every((a) => a.effect === 'allow')).toBe(true);
    for (const answer of denied) expect(answer.reasons).toEqual([`audit: audit journal full (${bound} bytes)`]);
    expect(await metricValue(required.metrics, 'gatehouse_audit_events_appended_total', { sink: 'journal' })).toBe(allowed.length);
    expect(await metricValue(required.metrics, 'gatehouse_decisions_total', { effect: 'deny' })).toBe(denied.length);
    expect(await required.stop()).toBe(0);

    const optional = await startServe(
      ['--bundle', baseBundle, '--audit', unreachable, '--journal', join(work, 'journal-optional'), '--journal-max-bytes', String(bound), '--audit-required=false'],
      work,
    );
    client = decisionClient(optional.address);
    const decided = [];
    try {
      for (let i = 0; i < 60; i++) decided.push(await client.decide(ask(`${RUN}-optional`, i)));
    } finally {
      client.close();
    }
    expect(decided.map((a) => a.effect)).toEqual(Array(60).fill('allow'));
    const appended = await metricValue(optional.metrics, 'gatehouse_audit_events_appended_total', { sink: 'journal' });
    const dropped = await metricValue(optional.metrics, 'gatehouse_audit_events_dropped_total', { sink: 'journal' });
    expect(appended).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    expect(appended + dropped).toBe(60);
    expect(optional.output()).toContain('audit events dropped (audit not required)');
    expect(await optional.stop()).toBe(0);
  }, 300_000);

  it('through a broker outage and a SIGKILL of the service while the broker is down, every decision arrives and the chain continues across the restart', async () => {
    const prefix = `${RUN}-o`;
    const journal = join(work, 'journal-outage');
    // A new journal is a new chain: it is declared by a new source name (one chain per source).
    const args = ['--bundle', baseBundle, '--audit', kafkaSpec(), '--journal', journal, '--audit-source', OUTAGE_SOURCE];
    const decideOn = async (serve: ServeProcess, from: number, count: number) => {
      const client = decisionClient(serve.address);
      try {
        const sent = await sendTraffic(client, prefix, from, count, 50);
        for (const { traffic, answer } of sent) {
          expect(answer.decisionId, `${traffic.name}: ${answer.reasons.join('; ')}`).not.toBe('');
          expect(answer.effect, `${traffic.name}: ${answer.reasons.join('; ')}`).toBe(traffic.effect);
        }
        return sent;
      } finally {
        client.close();
      }
    };
    const waitForShipped = async (serve: ServeProcess, count: number) => {
      for (;;) {
        if ((await metricValue(serve.metrics, 'gatehouse_audit_events_shipped_total', { topic: 'gatehouse.decisions' })) >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    const first = await startServe(args, work);
    const beforeOutage = await decideOn(first, 0, 300);
    await waitForShipped(first, 300); // the stream is flowing before the broker goes away

    await services('down', ['kafka'], PRIVATE);
    const duringOutage = await decideOn(first, 300, 300); // answered: the journal takes them
    expect(await metricValue(first.metrics, 'gatehouse_audit_shipper_lag_bytes')).toBeGreaterThan(0);
    await first.crash(); // SIGKILL while the broker is down: nothing flushed, nothing closed

    const second = await startServe(args, work);
    const afterRestart = await decideOn(second, 600, 300);

    const again = need(await services('up', ['kafka'], PRIVATE), 'GATEHOUSE_KAFKA');
    expect(again).toBe(broker); // same port: the running service reconnects without being told

    const sent = [...beforeOutage, ...duringOutage, ...afterRestart];
    const byDecision = new Map(sent.map((s) => [s.answer.decisionId, s]));
    expect(byDecision.size).toBe(900);
    const consumed = await consumeUntilDecisions(broker, sent);
    const decisions = decisionEvents(consumed, prefix);
    expect(new Set(decisions.map(({ event }) => event.id)).size).toBe(900);
    expect(new Set(decisions.map(({ event }) => event.data.decisionId))).toEqual(new Set(byDecision.keys()));
    for (const { event } of decisions) expect(event.data.effect).toBe(byDecision.get(event.data.decisionId!)!.answer.effect);

    // This journal's chain (its decisions and the approvals they requested) runs 1..N without a
    // gap or a second genesis: the restarted service continued the chain the killed one left.
    const approvals = consumed.events.filter(({ event }) => event.type === 'gatehouse.approval.v1' && byDecision.has(String(event.data.decisionId)));
    const chain = uniqueLines([...decisions, ...approvals].map(({ record }) => record.value));
    expect(chain).toHaveLength(900 + sent.filter((s) => s.answer.effect === 'require_approval').length);
    expectOneUnbrokenChain(chain);
    outageChain = chain;

    const verify = await gatehouse(['audit', 'verify', '--source', kafkaSpec(), '--format', 'json']);
    expect(verify.code, verify.stdout.slice(0, 4000) + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { sources: { source: string; chains: number }[] };
    // one chain per source on the broker: the first service's and this journal's (a new source name)
    expect(report.sources).toEqual(
      expect.arrayContaining([expect.objectContaining({ source: SOURCE, chains: 1 }), expect.objectContaining({ source: OUTAGE_SOURCE, chains: 1 })]),
    );
    expect(report.sources).toHaveLength(2);
    expect(await second.stop()).toBe(0);
  }, 600_000);

  it('an edited copy of a delivered event published to the topic is found by audit verify (exit 1, naming the event)', async () => {
    expect(outageChain.length).toBeGreaterThan(2);
    const original = outageChain.find((line) => (JSON.parse(line) as AuditEventJson).data.effect === 'deny')!;
    const edited = JSON.parse(original) as AuditEventJson;
    edited.data.effect = 'allow';
    const kafka = new kafkajs.Kafka({ clientId: 'e2e-tamper', brokers: [broker], logLevel: kafkajs.logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'gatehouse.decisions', acks: -1, messages: [{ key: edited.subject, value: JSON.stringify(edited) }] });
    } finally {
      await producer.disconnect();
    }
    const verify = await gatehouse(['audit', 'verify', '--source', kafkaSpec(), '--format', 'json']);
    expect(verify.code, verify.stderr).toBe(1);
    const report = JSON.parse(verify.stdout) as { ok: boolean; problems: { kind: string; eventId?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'conflicting-duplicate', eventId: edited.id })]);
  }, 300_000);
});
