import type { DecisionInput } from '../../../../engine/model/index.ts';
import { type CedarEvaluator, prepareCedarEvaluator } from '../../../../engine/evaluation/cedar/index.ts';

let revision = 0;

/** A Cedar evaluator over one policy file `policy.cedar` (and optional entities). */
export function cedarEvaluator(text: string, entities?: unknown): CedarEvaluator {
  return prepareCedarEvaluator({
    revision: `test-${++revision}`,
    policies: [{ file: 'policy.cedar', text }],
    ...(entities === undefined ? {} : { entities }),
  });
}

/** A request from alice (group dba) to query Database::"orders" (env prod). */
export function request(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    subject: { id: 'alice', groups: ['dba'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'prod' } },
    context: {},
    time: '2026-11-25T10:00:00Z',
    ...overrides,
  };
}
