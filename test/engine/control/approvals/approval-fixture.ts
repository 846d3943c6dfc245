import type { AuditEvent, AuditEventDraft } from '../../../../audit/audit-event.ts';
import type { AuditSink } from '../../../../audit/audit-sink.ts';
import { prepareCedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';
import { combineDecisions } from '../../../../engine/evaluation/combine-decisions.ts';
import type { Decision } from '../../../../engine/model/index.ts';
import type { DecisionInput } from '../../../../engine/model/index.ts';

/** Keeps the events in order, as a file sink would write them (tests read them back). */
export class CollectingAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  async append(draft: AuditEventDraft): Promise<AuditEvent> {
    const event: AuditEvent = {
      specversion: '1.0',
      id: String(this.events.length + 1),
      source: 'test',
      type: draft.type,
      time: new Date().toISOString(),
      subject: draft.subject,
      datacontenttype: 'application/json',
      prevhash: '',
      recordedtime: new Date().toISOString(),
      data: draft.data,
    };
    this.events.push(event);
    return event;
  }
  async close(): Promise<void> {}
}

/** The example's reviewer rule in real Cedar: members of Group::"reviewers" may review approvals. */
export const REVIEW_POLICY = `
@id("reviewers-review")
permit (principal in Group::"reviewers", action == Action::"approval.review", resource);
@id("planners-issue")
permit (principal in Group::"planners", action == Action::"token.issue", resource)
when { context.ttlSeconds <= 600 };
@id("prod-issue-needs-approval")
@approval("tokens for prod need a reviewer")
permit (principal in Group::"planners", action == Action::"token.issue", resource)
when { resource.id == "prod" };
`;

export function cedarDecide(policy = REVIEW_POLICY): (input: DecisionInput) => Promise<Decision> {
  const evaluator = prepareCedarEvaluator({ revision: 'test', policies: [{ file: 'review.cedar', text: policy }] });
  return async (input) => combineDecisions([evaluator.evaluate(input)], ['cedar']);
}
