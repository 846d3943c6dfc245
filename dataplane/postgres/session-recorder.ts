import type { AuditDraftOf, AuditSink, SessionEventJson } from '../../audit/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import type { DataPlaneDecision } from '../sdk/index.ts';
import { redactText } from '../../audit/index.ts';

/**
 * Redaction is a pure function of the text and costs far more than a lookup, and a session
 * (a prepared statement above all) records the same text again and again: recent redactions are
 * kept by exact text, bounded in count and size.
 */
const REDACTED_ENTRIES = 1_000;
const REDACTED_MAX_TEXT = 8 * 1024;
const redacted = new Map<string, string>();

function redactStatement(sql: string): string {
  if (sql.length > REDACTED_MAX_TEXT) return redactText(sql);
  let text = redacted.get(sql);
  if (text !== undefined) {
    redacted.delete(sql);
  } else {
    text = redactText(sql);
    if (redacted.size >= REDACTED_ENTRIES) redacted.delete(redacted.keys().next().value!);
  }
  redacted.set(sql, text);
  return text;
}

/**
 * Records one PostgreSQL session as `gatehouse.session.v1` events keyed by the session id:
 * start, one event per decided statement (decision id, effect, rows, duration), and end.
 * Statement text is redacted by the audit rules before it is written.
 */
export class SessionRecorder {
  private sequence = 0;

  constructor(
    private readonly sink: AuditSink,
    private readonly sessionId: string,
    private readonly resource: Resource,
  ) {}

  async start(details: { database: string; application: string; clientAddress: string; connectDecisionId: string }): Promise<void> {
    await this.emit({ event: 'start', ...details });
  }

  async statement(run: { sql: string; decision: DataPlaneDecision; rows: number; micros: number; outcome: 'ok' | 'error' | 'denied' }): Promise<void> {
    await this.emit({
      event: 'statement',
      text: redactStatement(run.sql),
      decisionId: run.decision.decisionId,
      effect: run.decision.effect,
      reasons: run.decision.reasons,
      rows: run.rows,
      durationMicros: run.micros,
      outcome: run.outcome,
    });
  }

  async end(reason: string): Promise<void> {
    await this.emit({ event: 'end', reason, statements: this.sequence });
  }

  private async emit(data: SessionEventJson): Promise<void> {
    this.sequence += data.event === 'statement' ? 1 : 0;
    const draft: AuditDraftOf<'gatehouse.session.v1'> = {
      type: 'gatehouse.session.v1',
      subject: this.sessionId,
      data: {
        sessionId: this.sessionId,
        protocol: 'postgres',
        resource: { type: this.resource.type, id: this.resource.id },
        sequence: this.sequence,
        ...data,
      },
    };
    await this.sink.append(draft);
  }
}
