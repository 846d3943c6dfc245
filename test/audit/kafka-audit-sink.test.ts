import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventType } from '../../audit/audit-event.ts';
import { AUDIT_TOPICS } from '../../audit/audit-event.ts';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import { decisionEventDraft } from '../../audit/decision-event.ts';
import { hashLine } from '../../audit/hash-chain.ts';
import type { KafkaAuditSink } from '../../audit/kafka-audit-sink.ts';
import { verifyChain } from '../../audit/verify-chain.ts';
import { need, services } from '../services/services-env.ts';
import { auditTopicEnds, consumeAudit, uniqueIds } from './kafka-consume.ts';

const BIN = join(import.meta.dirname, '../../bin/gatehouse');
function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(BIN, args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
let broker: string;
let dir: string;

beforeAll(async () => {
  broker = need(await services('up', ['kafka']), 'GATEHOUSE_KAFKA');
  dir = await mkdtemp(join(tmpdir(), 'gh-kafka-sink-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openSink(name: string, source: string, extra: Record<string, unknown> = {}): Promise<KafkaAuditSink> {
  return (await createAuditSink(`kafka://${broker}`, {
    source,
    journalDir: join(dir, name),
    logger: quiet,
    registry: new Registry(),
    ...extra,
  })) as KafkaAuditSink;
}

describe('kafka audit sink (real broker)', () => {
  it('3000 events arrive exactly once each, on their topics, keyed by subject, with an intact chain', async () => {
    const source = `gatehouse://test/exact-${Date.now()}`;
    const start = await auditTopicEnds(broker);
    const sink = await openSink('exact', source);
    const types = Object.keys(AUDIT_TOPICS) as AuditEventType[];
    const appended = [];
    for (let i = 0; i < 3000; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100; j++) batch.push(sink.append({ type: types[j % 4]!, subject: `session-${j % 13}`, data: { index: j } }));
      appended.push(...(await Promise.all(batch)));
    }
    expect(await sink.shipper.drain(120_000)).toBe(true);
    await sink.close();

    const records = await consumeAudit(broker, (value) => value.includes(`"source":"${source}"`), (seen) => seen.length >= 3000, 60_000, start);
    expect(records).toHaveLength(3000);
    expect(uniqueIds(records)).toEqual(new Set(appended.map((event) => event.id)));
    for (const record of records) {
      const event = JSON.parse(record.value);
      expect(record.topic).toBe(AUDIT_TOPICS[event.type as AuditEventType]);
      expect(record.key).toBe(event.subject);
      expect(record.headers['content-type']).toBe('application/cloudevents+json');
      expect(Object.keys(event)).toEqual(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'sequence', 'prevhash', 'recordedtime', 'data']);
    }
    const report = await verifyChain(
      (async function* () {
        for (const record of records) yield { line: record.value, origin: record.topic };
      })(),
    );
    expect(report.ok).toBe(true);
    expect(report.sources).toEqual([expect.objectContaining({ source, events: 3000, firstSequence: 1, lastSequence: 3000 })]);

    // the CLI reads the topics itself (Gatehouse's reader, up to the high watermarks)
    const cli = await gatehouse(['audit', 'verify', '--source', `kafka://${broker}`, '--format', 'json']);
    const fromCli = JSON.parse(cli.stdout) as { sources: { source: string; events: number }[]; problems: { source?: string }[] };
    expect(fromCli.sources).toContainEqual(expect.objectContaining({ source, events: 3000 }));
    expect(fromCli.problems.filter((problem) => problem.source === source)).toEqual([]);
  }, 240_000);

  it('a password in SQL text, a command password and a raw token never appear on the topic', async () => {
    const source = `gatehouse://test/secrets-${Date.now()}`;
    const start = await auditTopicEnds(broker);
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwbGFubmVyLTEiLCJqdGkiOiJhYmMifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
    const sink = await openSink('secrets', source);
    await sink.append(
      decisionEventDraft({
        decisionId: 'd1',
        requestId: 'r1',
        sessionId: 'sess-1',
        effect: 'deny',
        reasons: ['rego:gatehouse/decision: no'],
        obligations: {},
        policyRevision: 'rev',
        engineMicros: 5,
        input: {
          subject: { id: 'planner-1' },
          action: 'db.query',
          resource: { type: 'Database', id: 'orders' },
          context: {
            sql: { text: "ALTER ROLE bob WITH PASSWORD 's3cr3t-Pa55'", statements: [{ kind: 'alter', tables: [] }] },
            headers: { authorization: `Bearer ${token}` },
          },
          time: '2026-11-25T10:00:00Z',
        },
      }),
    );
    await sink.append(
      decisionEventDraft({
        decisionId: 'd2',
        requestId: 'r2',
        sessionId: 'sess-1',
        effect: 'allow',
        reasons: [],
        obligations: {},
        policyRevision: 'rev',
        engineMicros: 5,
        input: {
          subject: { id: 'planner-1' },
          action: 'ssh.exec',
          resource: { type: 'Host', id: 'web-1' },
          context: {
            command: {
              text: `mysql -pHunter2x --password=Hunter3x -h db && curl -H 'Authorization: Bearer ${token}' https://u:Pw123x@example.test/`,
              commands: [{ argv: ['mysql', '-pHunter2x', '--password=Hunter3x', '-h', 'db'], dynamic: false }],
            },
          },
          time: '2026-11-25T10:00:01Z',
        },
      }),
    );
    expect(await sink.shipper.drain(60_000)).toBe(true);
    await sink.close();
    const records = await consumeAudit(broker, (value) => value.includes(`"source":"${source}"`), (seen) => seen.length >= 2, 60_000, start);
    expect(records).toHaveLength(2);
    const all = records.map((record) => record.value).join('\n');
    for (const secret of ['s3cr3t-Pa55', token, 'Hunter2x', 'Hunter3x', 'Pw123x', 'c2lnbmF0dXJlLWJ5dGVzLWhlcmU']) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("PASSWORD '[REDACTED]'");
  });

  it('shipped segments are deleted and a reopened sink ships nothing twice', async () => {
    const source = `gatehouse://test/rotate-${Date.now()}`;
    const start = await auditTopicEnds(broker);
    const options = { journalSegmentBytes: 4096 };
    const first = await openSink('rotate', source, options);
    for (let i = 0; i < 200; i++) await first.append({ type: 'gatehouse.token.v1', subject: 'planner-1', data: { index: i, pad: 'x'.repeat(100) } });
    expect(await first.shipper.drain(60_000)).toBe(true);
    await first.close();
    const segments = (await readdir(join(dir, 'rotate'))).filter((name) => name.endsWith('.jsonl'));
    expect(segments).toHaveLength(1);
    const second = await openSink('rotate', source, options);
    const last = await second.append({ type: 'gatehouse.token.v1', subject: 'planner-1', data: { index: 200 } });
    expect(last.sequence).toBe('201');
    expect(await second.shipper.drain(60_000)).toBe(true);
    await second.close();
    const records = await consumeAudit(broker, (value) => value.includes(`"source":"${source}"`), (seen) => seen.length >= 201, 60_000, start);
    expect(records).toHaveLength(201);
    const byId = new Map(records.map((record) => [JSON.parse(record.value).id as string, record.value]));
    expect(byId.size).toBe(201);
    const before = records.find((record) => JSON.parse(record.value).sequence === '200')!;
    expect(last.prevhash).toBe(hashLine(before.value));
  });
});
