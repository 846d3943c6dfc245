import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDraft } from '../../audit/audit-event.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import { defaultAuditLogger } from '../../audit/audit-logger.ts';
import { GENESIS_PREV_HASH } from '../../audit/hash-chain.ts';
import { lineFromBinaryRecord } from '../../audit/cloudevents-kafka-record.ts';
import { SessionRecorder } from '../../dataplane/postgres/session-recorder.ts';
import { SshSessionRecorder } from '../../dataplane/ssh/session-recorder.ts';
import { approvalEventDraft } from '../../engine/control/approvals/approval-audit-event.ts';
import { jsonToStruct } from '../../proto/struct-json.ts';
import type { ApprovalRecord } from '../../engine/control/state/state-store.ts';
import { tokenEventDraft } from '../../engine/control/tokens/token-audit-event.ts';
import { decide, decisionClient } from '../engine/server/service-fixture.ts';
import { gatehouse, killAllServes, ROOT, startServe } from '../e2e/audit-serve-process.ts';
import { checkWithCloudEventsSdk, schemaErrors } from '../support/audit-event-checks.ts';

// Audit events as consumers Gatehouse did not write see them: the official CloudEvents Python SDK
// (structured JSON lines and Kafka records in binary mode), the JSON Schemas of schemas/audit/,
// and Kafka's own console consumer (from the jars scripts/services fetches).
let work: string;
const RUN = `ce${Date.now().toString(36)}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gh-cloudevents-'));
});
afterAll(async () => {
  await killAllServes();
  await rm(work, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Decisions through a real `gatehouse serve` of the example policy, one per request. */
async function decideThroughServe(audit: string, requests: number): Promise<void> {
  const serve = await startServe(['--bundle', join(ROOT, 'policy'), '--audit', audit, '--journal', join(work, `journal-${randomUUID()}`)], work);
  const client = decisionClient(serve.address);
  try {
    for (let i = 0; i < requests; i++) {
      await decide(client, {
        subject: { id: 'alice', groups: ['dev'] },
        action: 'db.query',
        resource: { type: 'Database', id: 'orders', attributes: jsonToStruct({ env: 'dev' }) },
        context: jsonToStruct({ sql: { text: `SELECT id FROM orders WHERE id = ${i}` } }),
        session_id: `${RUN}-session`,
        request_id: `${RUN}-${i}`,
      });
    }
  } finally {
    client.close();
    expect(await serve.stop()).toBe(0);
  }
}

/** Token, approval and session events from the builders the services use, through a real file sink. */
async function writeOtherEvents(path: string): Promise<void> {
  const sink = await createAuditSink(`file:${path}`, { source: `gatehouse://${RUN}/other`, logger: defaultAuditLogger(), registry: new Registry() });
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'gatehouse', sub: 'planner', aud: 'Database:orders', act: { sub: 'executor' }, exp: now + 600, nbf: now, iat: now, jti: 'tok-1', actions: ['db.query'], constraints: {}, groups: ['planners'], max_uses: 3 };
  const drafts: AuditEventDraft[] = [
    tokenEventDraft('issued', { claims, subject: 'planner' }),
    tokenEventDraft('refused', { subject: 'planner', check: 'policy', reasons: ['rego:gatehouse/token: too long'] }),
    tokenEventDraft('revoked', { subject: 'planner', tokenId: 'tok-1', requestedBy: 'planner' }),
  ];
  const record: ApprovalRecord = {
    id: 'ap-1',
    kind: 'decision',
    status: 'pending',
    bindingHash: 'a'.repeat(64),
    binding: { subject: 'alice', action: 'db.query', resource: { type: 'Database', id: 'orders' }, text: 'DELETE FROM orders' },
    requestedBy: 'alice',
    requestId: 'r-1',
    decisionId: 'd-1',
    sessionId: `${RUN}-session`,
    reasons: ['rego:gatehouse/sql: deletes need approval'],
    input: {},
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
  };
  drafts.push(approvalEventDraft('requested', record));
  drafts.push(approvalEventDraft('approved', { ...record, status: 'approved', reviewer: 'bob', resolvedAt: new Date().toISOString(), windowUntil: new Date(Date.now() + 60_000).toISOString() }));
  for (const draft of drafts) await sink.append(draft);

  const decision = { decisionId: 'd-2', effect: 'allow' as const, reasons: [], obligations: {}, policyRevision: 'rev' };
  const postgres = new SessionRecorder(sink, `${RUN}-pg`, { type: 'Database', id: 'orders' });
  await postgres.start({ database: 'orders', application: 'psql', clientAddress: '127.0.0.1', connectDecisionId: 'd-1' });
  await postgres.statement({ sql: 'SELECT 1', decision, rows: 1, micros: 10, outcome: 'ok' });
  await postgres.end('client closed');
  const ssh = new SshSessionRecorder({ sink, sessionId: `${RUN}-ssh`, resource: { type: 'Host', id: 'web-1' }, required: true, onFailure: () => undefined });
  await ssh.start({ user: 'alice', clientAddress: '127.0.0.1', connectDecisionId: 'd-3' });
  await ssh.command({ channel: 0, mode: 'exec', text: 'uptime', decision, outcome: 'run' });
  await ssh.end('closed');
  await sink.close();
}

async function linesOf(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
}

describe('audit events as CloudEvents', () => {
  let lines: string[] = [];

  beforeAll(async () => {
    const decisions = join(work, 'decisions.jsonl');
    await decideThroughServe(`file:${decisions}`, 3);
    const other = join(work, 'other.jsonl');
    await writeOtherEvents(other);
    lines = [...(await linesOf(decisions)), ...(await linesOf(other))];
  }, 300_000);

  it('every event type is emitted, and each event validates against the JSON Schema of its type', () => {
    const types = new Set(lines.map((line) => (JSON.parse(line) as { type: string }).type));
    expect([...types].sort()).toEqual(['gatehouse.approval.v1', 'gatehouse.decision.v1', 'gatehouse.session.v1', 'gatehouse.token.v1']);
    for (const line of lines) expect(schemaErrors(JSON.parse(line)), line).toEqual([]);
  });

  it('the official CloudEvents Python SDK accepts every event, with prevhash, sequence and recordedtime as extensions', async () => {
    const verdicts = await checkWithCloudEventsSdk(lines.map((line) => ({ line })));
    verdicts.forEach((verdict, i) => {
      const event = JSON.parse(lines[i]!) as { id: string; prevhash: string; sequence: string; recordedtime: string; data: unknown };
      expect(verdict.error, lines[i]).toBeUndefined();
      expect(verdict).toMatchObject({ ok: true, id: event.id, extensions: { prevhash: event.prevhash, sequence: event.sequence, recordedtime: event.recordedtime } });
      expect(verdict.data).toEqual(event.data);
    });
  });

  it('a decision event carries the decision time (the service clock the policy saw) and the ingest time', () => {
    for (const line of lines.filter((l) => l.includes('"gatehouse.decision.v1"'))) {
      const event = JSON.parse(line) as { time: string; recordedtime: string; data: { input: { time: string } } };
      expect(event.time).toBe(event.data.input.time);
      expect(Date.parse(event.recordedtime)).toBeGreaterThanOrEqual(Date.parse(event.time));
    }
  });

  it('an event written before 0.2.0 (prevHash) is rejected by the SDK and the schema; audit export turns it into one both accept, and audit verify still reads its chain', async () => {
    // Two old-style lines, chained as 0.1.0 wrote them.
    const first = JSON.stringify({ specversion: '1.0', id: 'old-1', source: 'gatehouse://old/serve', type: 'gatehouse.token.v1', time: '2026-11-01T10:00:00.000Z', subject: 'planner', datacontenttype: 'application/json', sequence: '1', prevHash: GENESIS_PREV_HASH, data: (tokenEventDraft('revoked', { subject: 'planner', tokenId: 't' }).data) });
    const second = JSON.stringify({ ...JSON.parse(first), id: 'old-2', sequence: '2', prevHash: sha256(first) });
    const old = join(work, 'old.jsonl');
    await writeFile(old, `${first}\n${second}\n`);
    const [rejected] = await checkWithCloudEventsSdk([{ line: first }]);
    expect(rejected!.ok).toBe(false);
    expect(rejected!.error).toMatch(/prevHash/);
    expect(schemaErrors(JSON.parse(first))).not.toEqual([]);

    const verified = await gatehouse(['audit', 'verify', '--source', `file:${old}`]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/ok: 2 records/);

    const exported = await gatehouse(['audit', 'export', '--source', `file:${old}`, '--format', 'cloudevents']);
    expect(exported.code, exported.stderr).toBe(0);
    const upgraded = exported.stdout.trim().split('\n');
    expect(upgraded).toHaveLength(2);
    expect(Object.keys(JSON.parse(upgraded[0]!) as object)).toEqual(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'sequence', 'prevhash', 'recordedtime', 'data']);
    for (const line of upgraded) expect(schemaErrors(JSON.parse(line)), line).toEqual([]);
    expect((await checkWithCloudEventsSdk(upgraded.map((line) => ({ line })))).map((v) => v.ok)).toEqual([true, true]);
  }, 180_000);

  it('audit export copies current events byte for byte, and --format ocsf maps each type to its OCSF class', async () => {
    const file = join(work, 'all.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const copied = await gatehouse(['audit', 'export', '--source', `file:${file}`]);
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toBe(lines.join('\n') + '\n');

    const ocsf = await gatehouse(['audit', 'export', '--source', `file:${file}`, '--format', 'ocsf']);
    expect(ocsf.code, ocsf.stderr).toBe(0);
    const mapped = ocsf.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown> & { unmapped: { id: string; type: string; prevhash: string; data: Record<string, unknown> } });
    expect(mapped).toHaveLength(lines.length);
    mapped.forEach((event, i) => {
      const source = JSON.parse(lines[i]!) as { id: string; type: string; prevhash: string; time: string };
      expect(event.unmapped).toMatchObject({ id: source.id, type: source.type, prevhash: source.prevhash });
      expect(event.time).toBe(Date.parse(source.time));
      expect(event.type_uid).toBe((event.class_uid as number) * 100 + (event.activity_id as number));
      expect(event.category_uid).toBe(Math.floor((event.class_uid as number) / 1000));
      expect(event.metadata).toMatchObject({ uid: source.id, product: { name: 'Gatehouse' } });
    });
    const classOf = (type: string, predicate: (data: Record<string, unknown>) => boolean = () => true) =>
      [...new Set(mapped.filter((e) => e.unmapped.type === type && predicate(e.unmapped.data)).map((e) => e.class_uid))];
    expect(classOf('gatehouse.decision.v1')).toEqual([6005]);
    expect(classOf('gatehouse.token.v1')).toEqual([3002]);
    expect(classOf('gatehouse.approval.v1')).toEqual([6003]);
    expect(classOf('gatehouse.session.v1', (data) => data.kind === 'command')).toEqual([1007]);
    const refused = mapped.find((e) => e.unmapped.type === 'gatehouse.token.v1' && e.unmapped.data.kind === 'refused')!;
    expect(refused).toMatchObject({ status_id: 2, status_detail: 'policy' });
  }, 180_000);

  it('audit export refuses a line that is not an audit event, naming where it is', async () => {
    const file = join(work, 'bad.jsonl');
    await writeFile(file, `${lines[0]}\nnot json\n`);
    const result = await gatehouse(['audit', 'export', '--source', `file:${file}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.jsonl:2: not JSON/);
  }, 180_000);
});

interface ConsumedRecord {
  headers: Record<string, string>;
  key: string | null;
  value: string;
}

const HEADER_SEPARATOR = '\u001f';
const FIELD_SEPARATOR = '\u001e';

/**
 * Reads a topic with Kafka's own console consumer (org.apache.kafka.tools.consumer.ConsoleConsumer
 * from GATEHOUSE_KAFKA_CLASSPATH), from the beginning until the topic has been quiet for a while.
 */
function consoleConsume(broker: string, topic: string): Promise<ConsumedRecord[]> {
  const classpath = process.env.GATEHOUSE_KAFKA_CLASSPATH;
  if (!classpath) throw new Error('GATEHOUSE_KAFKA_CLASSPATH is not set: scripts/services up kafka exports it');
  const args = [
    '-cp', classpath,
    'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server', broker,
    '--topic', topic,
    '--from-beginning',
    // The consumer ends once no record arrived for this long (the end of what was produced).
    '--timeout-ms', '30000',
    '--property', 'print.headers=true',
    '--property', 'print.key=true',
    '--property', `headers.separator=${HEADER_SEPARATOR}`,
    '--property', 'headers.key.separator=:',
    '--property', `key.separator=${FIELD_SEPARATOR}`,
  ];
  return new Promise((resolve, reject) => {
    execFile('java', args, { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
      // It exits 1 after its idle timeout; what it printed is the answer, and a failure to reach
      // the broker prints nothing (the caller then finds no records and fails).
      if (error && error.killed) {
        reject(new Error(`kafka console consumer did not end: ${stderr}`));
        return;
      }
      const records: ConsumedRecord[] = [];
      for (const line of stdout.split('\n')) {
        if (!line) continue;
        const [headerText, key, value] = line.split(FIELD_SEPARATOR);
        if (value === undefined) continue;
        const headers: Record<string, string> = {};
        if (headerText !== 'NO_HEADERS') {
          for (const header of headerText!.split(HEADER_SEPARATOR)) {
            const at = header.indexOf(':');
            headers[header.slice(0, at)] = header.slice(at + 1);
          }
        }
        records.push({ headers, key: key === 'null' ? null : key!, value });
      }
      resolve(records);
    });
  });
}

describe('Kafka, binary content mode (kafka://…?cloudevents=binary)', () => {
  it('Kafka console consumer reads the records; the SDK parses each binary record; the rebuilt lines chain and match the schema', async () => {
    const broker = process.env.GATEHOUSE_KAFKA;
    if (!broker) throw new Error('GATEHOUSE_KAFKA is not set: the test setup starts Kafka');
    await decideThroughServe(`kafka://${broker}?cloudevents=binary`, 4);

    // The shipper delivers after the decisions return, and a loaded machine may make the consumer's
    // first poll outlast its idle timeout: read again until this run's four records are there.
    let records: ConsumedRecord[] = [];
    for (let attempt = 0; attempt < 5 && records.length < 4; attempt++) {
      records = (await consoleConsume(broker, 'gatehouse.decisions')).filter((record) => record.key === `${RUN}-session`);
    }
    expect(records).toHaveLength(4);
    for (const record of records) {
      expect(record.headers).toMatchObject({ ce_specversion: '1.0', ce_type: 'gatehouse.decision.v1', ce_subject: `${RUN}-session`, 'content-type': 'application/json' });
      expect(record.headers.ce_prevhash).toMatch(/^[0-9a-f]{64}$/);
      expect(record.headers.ce_recordedtime).toBeDefined();
      // The value is the event's data alone.
      expect(JSON.parse(record.value)).toMatchObject({ schemaVersion: 1, requestId: expect.stringMatching(new RegExp(`^${RUN}-`)) });
    }

    const verdicts = await checkWithCloudEventsSdk(records);
    verdicts.forEach((verdict, i) => {
      expect(verdict.error).toBeUndefined();
      expect(verdict).toMatchObject({ ok: true, id: records[i]!.headers.ce_id, type: 'gatehouse.decision.v1', extensions: { prevhash: records[i]!.headers.ce_prevhash } });
      expect(verdict.data).toEqual(JSON.parse(records[i]!.value));
    });

    // Rebuilt from headers and value, each line is the journal line byte for byte: the chain holds.
    const lines = records.map((record) => lineFromBinaryRecord(record.headers, record.value)!);
    const events = lines.map((line) => JSON.parse(line) as { sequence: string; prevhash: string });
    for (const event of events) expect(schemaErrors(event)).toEqual([]);
    const bySequence = new Map(events.map((event, i) => [Number(event.sequence), lines[i]!]));
    for (const event of events) {
      const previous = bySequence.get(Number(event.sequence) - 1);
      if (previous !== undefined) expect(event.prevhash).toBe(sha256(previous));
    }
    expect([...bySequence.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
  }, 600_000);
});
