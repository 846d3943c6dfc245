import { createHash } from 'node:crypto';
import type { AuditDraftOf, AuditSink, SessionEventJson } from '../../audit/index.ts';
import { redactText } from '../../audit/index.ts';
import type { DataPlaneDecision } from '../sdk/index.ts';

export interface McpRecorderOptions {
  sink: AuditSink;
  sessionId: string;
  /** When true (--audit-required), a call whose event cannot be written is refused. */
  required: boolean;
}

export interface RecordedCall {
  method: string;
  /** The gateway name the agent used (`SERVER__tool`, a resource URI). */
  name: string;
  server: string;
  resource: { type: string; id: string };
  decision: DataPlaneDecision;
  outcome: 'ok' | 'denied' | 'approval-refused' | 'upstream-error' | 'mask-failed' | 'tool-error';
  arguments: unknown;
  resultBytes?: number;
  masked?: number;
  approval?: string;
  error?: string;
}

/**
 * Records one MCP session as `gatehouse.session.v1` events keyed by the session id: `start`,
 * one `call` per decided request (decision id, effect, outcome, a SHA-256 digest and the size
 * of the arguments, never their values, and the size of the result), `end`. Every event
 * carries `sequence`; `gatehouse replay session` prints them with the decisions.
 */
export class McpSessionRecorder {
  private sequence = 0;

  constructor(private readonly o: McpRecorderOptions) {}

  start(details: { transport: 'http' | 'stdio'; clientAddress?: string; connectDecisionId: string; client?: string }): Promise<boolean> {
    const data: SessionEventJson = { kind: 'start', transport: details.transport, connectDecisionId: details.connectDecisionId };
    if (details.clientAddress !== undefined) data.clientAddress = details.clientAddress;
    if (details.client !== undefined) data.client = details.client;
    return this.event(data);
  }

  call(call: RecordedCall): Promise<boolean> {
    const argumentsText = JSON.stringify(call.arguments ?? {});
    const data: SessionEventJson = {
      kind: 'call',
      method: call.method,
      name: call.name,
      server: call.server,
      target: `${call.resource.type}:${call.resource.id}`,
      decisionId: call.decision.decisionId,
      effect: call.decision.effect,
      reasons: call.decision.reasons.map(redactText),
      policyRevision: call.decision.policyRevision,
      outcome: call.outcome,
      argumentsDigest: `sha256:${createHash('sha256').update(argumentsText).digest('hex')}`,
      argumentsBytes: Buffer.byteLength(argumentsText),
    };
    if (call.resultBytes !== undefined) data.resultBytes = call.resultBytes;
    if (call.masked !== undefined) data.masked = call.masked;
    if (call.decision.approvalId) data.approvalId = call.decision.approvalId;
    if (call.approval) data.approval = call.approval;
    if (call.error) data.error = redactText(call.error);
    return this.event(data);
  }

  end(reason: string): Promise<boolean> {
    return this.event({ kind: 'end', reason });
  }

  /** True when written; false when the sink refused it (and the caller fails closed if required). */
  private async event(data: SessionEventJson): Promise<boolean> {
    const sequence = ++this.sequence;
    try {
      const draft: AuditDraftOf<'gatehouse.session.v1'> = {
        type: 'gatehouse.session.v1',
        subject: this.o.sessionId,
        data: { sessionId: this.o.sessionId, protocol: 'mcp', sequence, ...data },
      };
      await this.o.sink.append(draft);
      return true;
    } catch {
      return !this.o.required;
    }
  }
}
