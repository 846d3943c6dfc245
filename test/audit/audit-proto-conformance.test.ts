import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditLogger } from '../../audit/audit-logger.ts';
import type { SessionEventJson, TokenEventJson } from '../../audit/audit-event.ts';
import type { AuditSink } from '../../audit/audit-sink.ts';
import { createAuditSink } from '../../audit/create-audit-sink.ts';
import { decisionEventDraft } from '../../audit/decision-event.ts';
import type { DataPlaneDecision } from '../../dataplane/sdk/data-plane-decision.ts';
import { McpSessionRecorder } from '../../dataplane/mcp/session-recorder.ts';
import { SessionRecorder } from '../../dataplane/postgres/session-recorder.ts';
import { SshSessionRecorder } from '../../dataplane/ssh/session-recorder.ts';
import { tokenEventDraft } from '../../engine/control/index.ts';
import { auditProtoErrors } from '../support/audit-proto-conformance.ts';

const quiet: AuditLogger = { info() {}, warn() {}, error() {} };
const DECISION: DataPlaneDecision = { decisionId: 'd-1', effect: 'allow', reasons: ['rego:p1: ok'], obligations: {}, policyRevision: 'rev-1' };

let dir: string;
let path: string;
let sink: AuditSink;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-audit-proto-'));
  path = join(dir, 'audit.jsonl');
  sink = await createAuditSink(`file:${path}`, { source: 'gatehouse://test/conformance', logger: quiet, registry: new Registry() });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function written(): Promise<unknown[]> {
  await sink.close();
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

function decisionEvent(): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'e-1',
    source: 'gatehouse://test/a',
    type: 'gatehouse.decision.v1',
    time: '2026-11-25T10:00:00.000Z',
    subject: 's-1',
    datacontenttype: 'application/json',
    sequence: '1',
    prevhash: '0'.repeat(64),
    recordedtime: '2026-11-25T10:00:00.001Z',
    data: { schemaVersion: 1, decisionId: 'd-1', sessionId: null, reasons: ['a'], obligations: { mask: ['email'] }, engineMicros: 12, input: {} },
  };
}

describe('audit events against audit.proto', () => {
  it('what the producers write conforms: decisions, tokens, and PostgreSQL, SSH and MCP sessions', async () => {
    await sink.append(
      decisionEventDraft({
        decisionId: 'd-1',
        requestId: 'r-1',
        sessionId: 's-1',
        effect: 'require_approval',
        reasons: ['rego:p1: needs a reviewer'],
        obligations: { mask: ['email'] },
        policyRevision: 'rev-1',
        engineMicros: 12.4,
        input: { subject: { id: 'alice' }, action: 'db.query', resource: { type: 'Database', id: 'orders' }, context: { sql: { text: "SELECT 'password=hunter2'" } }, time: '2026-11-25T10:00:00Z' },
        approvalId: 'a-1',
      }),
    );
    await sink.append(tokenEventDraft('refused', { subject: 'pat', check: 'policy', reasons: ['rego:t: no'], requestedBy: 'pat' }));
    await sink.append(tokenEventDraft('revoked', { subject: 'pat', revokedSubject: 'pat', requestedBy: 'admin' }));
    const postgres = new SessionRecorder(sink, 'pg-1', { type: 'Database', id: 'orders' });
    await postgres.start({ database: 'orders', application: 'psql', clientAddress: '127.0.0.1', connectDecisionId: 'd-0' });
    await postgres.statement({ sql: 'SELECT 1', decision: DECISION, rows: 1, micros: 250, outcome: 'ok' });
    await postgres.end('client closed');
    const ssh = new SshSessionRecorder({ sink, sessionId: 'ssh-1', resource: { type: 'Host', id: 'web-1' }, required: true, onFailure: () => undefined, chunkMs: 0 });
    await ssh.start({ user: 'wes', clientAddress: '127.0.0.1', connectDecisionId: 'd-0' });
    ssh.pty(0, { cols: 100, rows: 30, term: 'xterm' });
    ssh.input(0, 'ls\r');
    ssh.output(0, 'a b\r\n');
    ssh.resize(0, 120, 40);
    await ssh.command({ channel: 0, mode: 'shell', text: 'ls', decision: DECISION, outcome: 'run' });
    ssh.exit(0, { code: 0 });
    await ssh.end('client closed');
    await ssh.flush();
    const mcp = new McpSessionRecorder({ sink, sessionId: 'mcp-1', required: true });
    await mcp.start({ transport: 'stdio', connectDecisionId: 'd-0', client: 'agent' });
    await mcp.call({ method: 'tools/call', name: 'fs__read', server: 'fs', resource: { type: 'Tool', id: 'fs__read' }, decision: DECISION, outcome: 'ok', arguments: { path: '/' }, resultBytes: 10, masked: 0 });
    await mcp.end('closed');
    const events = await written();
    expect(events.length).toBe(17);
    for (const [i, event] of events.entries()) expect(auditProtoErrors(event), `event ${i + 1}: ${JSON.stringify(event)}`).toEqual([]);
  });

  it('a hand-built event that follows the proto3 JSON mapping conforms, original field names included', () => {
    expect(auditProtoErrors(decisionEvent())).toEqual([]);
    const snake = decisionEvent();
    snake.data = { schema_version: 1, decision_id: 'd-1', engine_micros: '12' };
    expect(auditProtoErrors(snake)).toEqual([]);
  });

  it('a field audit.proto does not declare is refused, in the envelope and in data', () => {
    const event = decisionEvent();
    event.prevHash = 'x';
    (event.data as Record<string, unknown>).effectt = 'allow';
    expect(auditProtoErrors(event)).toEqual(['prevHash: not a field of gatehouse.v1.AuditEvent', 'data.effectt: not a field of gatehouse.v1.DecisionEventData']);
  });

  it('the oneof members are not envelope fields: the body is under data only', () => {
    const event = decisionEvent();
    event.decision = {};
    expect(auditProtoErrors(event)).toEqual(['decision: not a field of gatehouse.v1.AuditEvent']);
  });

  it('wrong JSON types are refused, naming the path and the proto type', () => {
    const event = decisionEvent();
    event.sequence = 1;
    event.data = { schemaVersion: 1.5, reasons: 'a', obligations: ['mask'], engineMicros: 2 ** 60, redactions: [1], effect: false };
    expect(auditProtoErrors(event)).toEqual([
      'sequence: string field must be a string, not number 1',
      'data.schemaVersion: int32 field must be a 32-bit integer, not number 1.5',
      'data.reasons: repeated, must be an array, not string "a"',
      'data.obligations: google.protobuf.Struct field must be a JSON object, not an array',
      'data.engineMicros: int64 field must be an integer (a JSON number that is a safe integer, or its decimal string), not number 1152921504606847000',
      'data.redactions[0]: string field must be a string, not number 1',
      'data.effect: string field must be a string, not boolean false',
    ]);
  });

  it('a nested message is decoded strictly too (a session resource)', () => {
    const event = { ...decisionEvent(), type: 'gatehouse.session.v1', data: { kind: 'start', resource: { type: 'Host', id: 'web-1', env: 'prod' }, t: 'soon' } };
    expect(auditProtoErrors(event)).toEqual(['data.resource.env: not a field of gatehouse.v1.SessionResource', 'data.t: double field must be a number, not string "soon"']);
  });

  it('an unknown type, a missing data and a non-object are refused', () => {
    expect(auditProtoErrors({ ...decisionEvent(), type: 'gatehouse.other.v1' })).toEqual(['type: "gatehouse.other.v1" is not an audit event type of audit.proto']);
    const noData = decisionEvent();
    delete noData.data;
    expect(auditProtoErrors(noData)).toEqual(['data: missing']);
    expect(auditProtoErrors([])).toEqual(['the event is not a JSON object']);
  });

  it('the producers cannot write a field audit.proto does not declare, or a wrong type (checked by the typecheck)', () => {
    // @ts-expect-error: `colour` is not a field of SessionEventData
    const unknownField: SessionEventJson = { kind: 'start', colour: 'red' };
    // @ts-expect-error: `maxUses` is an int32, not a string
    const wrongType: TokenEventJson = { kind: 'issued', maxUses: '3' };
    // @ts-expect-error: SessionResource has `type` and `id` strings
    const wrongNested: SessionEventJson = { resource: { type: 1 } };
    const fine: SessionEventJson = { kind: 'output', resource: { type: 'Host', id: 'web-1' }, sequence: 3, t: 0.25, details: { any: ['json'] } };
    expect([unknownField, wrongType, wrongNested, fine]).toHaveLength(4);
  });
});
