import { createHash } from 'node:crypto';
import { GrpcDecisionClient } from '../../dataplane/sdk/grpc-decision-client.ts';
import type { DataPlaneDecision, DecisionAsk } from '../../dataplane/sdk/data-plane-decision.ts';
import type { Effect } from '../../engine/model/index.ts';
import { consumeAudit, type ConsumedRecord } from '../audit/kafka-consume.ts';
import { expectConformsToAuditProto } from '../support/audit-proto-conformance.ts';

// Decision traffic for the end-to-end audit suites: cases taken from the example policy's own
// tests (policy/tests/*.yaml) that do not depend on the clock, sent over DecideStream by the
// data-plane SDK client with caller-supplied subjects.

const ORDERS = { type: 'Database', id: 'orders', attributes: { env: 'prod' } };
const WEB_1 = { type: 'Host', id: 'web-1', attributes: { env: 'prod' } };
const PAT = { id: 'planner-payments', groups: ['payments'] };
const WES = { id: 'planner-web', groups: ['web'] };
const DANA = { id: 'dana', groups: ['dba'] };
const SAM = { id: 'sam', groups: ['sre'] };
const NOBODY = { id: 'nobody', groups: [] };

export interface TrafficCase {
  name: string;
  ask: Omit<DecisionAsk, 'sessionId' | 'requestId'>;
  effect: Effect;
  /** The computed fact the recorded input must carry: statement kind (SQL) or argv[0] (shell). */
  fact?: { sqlKind: string } | { argv0: string };
}

export const TRAFFIC: TrafficCase[] = [
  { name: 'select with a WHERE', ask: { subject: PAT, action: 'db.query', resource: ORDERS, context: { sql: { text: 'SELECT id, total FROM orders WHERE id = 1' } } }, effect: 'allow', fact: { sqlKind: 'select' } },
  { name: 'masked column in an expression', ask: { subject: PAT, action: 'db.query', resource: ORDERS, context: { sql: { text: 'SELECT lower(email) FROM users' } } }, effect: 'deny', fact: { sqlKind: 'select' } },
  { name: 'delete without WHERE', ask: { subject: PAT, action: 'db.query', resource: ORDERS, context: { sql: { text: 'DELETE FROM orders' } } }, effect: 'require_approval', fact: { sqlKind: 'delete' } },
  { name: 'drop on production', ask: { subject: DANA, action: 'db.query', resource: ORDERS, context: { sql: { text: 'DROP TABLE orders' } } }, effect: 'deny', fact: { sqlKind: 'drop' } },
  { name: 'owner connects', ask: { subject: PAT, action: 'db.connect', resource: ORDERS, context: {} }, effect: 'allow' },
  { name: 'other group connects', ask: { subject: WES, action: 'db.connect', resource: ORDERS, context: {} }, effect: 'deny' },
  { name: 'touch on production', ask: { subject: WES, action: 'ssh.exec', resource: WEB_1, context: { command: { text: 'touch /tmp/marker' } } }, effect: 'require_approval', fact: { argv0: 'touch' } },
  { name: 'service status', ask: { subject: WES, action: 'ssh.exec', resource: WEB_1, context: { command: { text: 'service nginx status' } } }, effect: 'allow', fact: { argv0: 'service' } },
  { name: 'insert', ask: { subject: PAT, action: 'db.query', resource: ORDERS, context: { sql: { text: 'INSERT INTO orders (id, total) VALUES (7, 10)' } } }, effect: 'allow', fact: { sqlKind: 'insert' } },
  { name: 'no group', ask: { subject: NOBODY, action: 'db.query', resource: ORDERS, context: { sql: { text: 'SELECT 1' } } }, effect: 'deny', fact: { sqlKind: 'select' } },
  { name: 'sre connects to a host', ask: { subject: SAM, action: 'ssh.connect', resource: WEB_1, context: {} }, effect: 'allow' },
];

export interface Sent {
  ask: DecisionAsk;
  traffic: TrafficCase;
  answer: DataPlaneDecision;
}

/** The i-th request of a run: cases in turn, two in three with a session (the rest keyed by subject). */
export function trafficAsk(prefix: string, i: number): { ask: DecisionAsk; traffic: TrafficCase } {
  const traffic = TRAFFIC[i % TRAFFIC.length]!;
  const sessionId = i % 3 === 2 ? '' : `sess-${prefix}-${i % 17}`;
  return { traffic, ask: { ...structuredClone(traffic.ask), sessionId, requestId: `${prefix}-${i}` } };
}

/** Opens a DecideStream client on `address` (deadlines generous: a deadline would be a deny the service may still have audited). */
export function decisionClient(address: string): GrpcDecisionClient {
  return new GrpcDecisionClient({ address, deadlineMs: 120_000 });
}

/** Sends requests `from`..`from+count-1` of the run `prefix`, `inFlight` at a time. */
export async function sendTraffic(client: GrpcDecisionClient, prefix: string, from: number, count: number, inFlight = 100): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let i = from; i < from + count; i += inFlight) {
    const batch = [];
    for (let j = i; j < Math.min(i + inFlight, from + count); j++) {
      const { ask, traffic } = trafficAsk(prefix, j);
      batch.push(client.decide(ask).then((answer) => ({ ask, traffic, answer })));
    }
    sent.push(...(await Promise.all(batch)));
  }
  return sent;
}

export interface AuditEventJson {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: string;
  sequence: string;
  prevhash: string;
  recordedtime: string;
  data: Record<string, unknown> & { decisionId?: string; requestId?: string };
}

export interface Consumed {
  records: ConsumedRecord[];
  events: { record: ConsumedRecord; event: AuditEventJson }[];
}

/**
 * Reads the audit topics from the beginning with an independent kafkajs consumer until every
 * decision id in `decisionIds` has been seen on gatehouse.decisions, and the approval each
 * `require_approval` one requested on gatehouse.approvals (or the timeout passes).
 */
export async function consumeUntilDecisions(broker: string, sent: Iterable<Sent>, timeoutMs = 300_000): Promise<Consumed> {
  const missing = new Set<string>();
  const missingApprovals = new Set<string>();
  for (const { answer } of sent) {
    missing.add(answer.decisionId);
    if (answer.effect === 'require_approval') missingApprovals.add(answer.decisionId);
  }
  const events: Consumed['events'] = [];
  const records = await consumeAudit(
    broker,
    (value) => {
      const event = JSON.parse(value) as AuditEventJson;
      if (event.type === 'gatehouse.decision.v1' && typeof event.data.decisionId === 'string') missing.delete(event.data.decisionId);
      if (event.type === 'gatehouse.approval.v1' && typeof event.data.decisionId === 'string') missingApprovals.delete(event.data.decisionId);
      return true;
    },
    () => missing.size === 0 && missingApprovals.size === 0,
    timeoutMs,
  );
  for (const [index, record] of records.entries()) {
    const event: unknown = JSON.parse(record.value);
    // Every record read is decoded strictly against audit.proto (test/support/audit-proto-conformance.ts).
    expectConformsToAuditProto(event, `Kafka record ${index + 1} of ${record.topic}`);
    events.push({ record, event: event as AuditEventJson });
  }
  return { records, events };
}

export function sha256(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}
