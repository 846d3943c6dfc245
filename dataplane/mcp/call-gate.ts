import type { JsonObject } from '../../engine/model/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import { unenforceableObligations, type DataPlaneDecision, type DecisionClient } from '../sdk/index.ts';
import { maskPaths, type MaskPath } from './json-path-mask.ts';

/** The MCP proxy masks result fields; any other obligation turns an allow into a deny. */
const ENFORCEABLE: readonly string[] = ['mask'];

export interface CallGateOptions {
  decisions: DecisionClient;
  /** The agent's credential (scoped token or OIDC JWT); never logged. */
  token: string;
  sessionId: string;
  /** How to tell a waiting agent's operator to approve; `{id}` is replaced by the approval id. */
  approveHint: string;
  /** How often a held call repeats its progress notification (default 10 s). */
  heartbeatMs?: number;
}

export interface CallAsk {
  action: string;
  resource: Resource;
  context: JsonObject;
}

export type GateOutcome =
  | { proceed: true; decision: DataPlaneDecision; mask: MaskPath[]; approval?: string }
  | { proceed: false; decision: DataPlaneDecision; outcome: 'denied' | 'approval-refused'; message: string; approval?: string };

/**
 * Decides one MCP call before the upstream sees it. Deny, an obligation the proxy cannot
 * enforce, a mask it cannot read, or an approval that is not granted all mean the call does
 * not reach the upstream; `progress` keeps the agent informed (and its request alive) while
 * a reviewer decides.
 */
export async function gateCall(
  o: CallGateOptions,
  ask: CallAsk,
  progress: (message: string) => void,
  signal: AbortSignal,
): Promise<GateOutcome> {
  const decision = await o.decisions.decide({ ...ask, token: o.token, sessionId: o.sessionId });
  const why = (d: DataPlaneDecision): string => (d.reasons.length > 0 ? d.reasons.join('; ') : 'no reason given');
  if (decision.effect === 'deny') return { proceed: false, decision, outcome: 'denied', message: `gatehouse: denied: ${why(decision)}` };
  const unenforceable = unenforceableObligations(decision.obligations, ENFORCEABLE);
  if (unenforceable.length > 0) {
    return { proceed: false, decision, outcome: 'denied', message: `gatehouse: denied: the MCP proxy cannot enforce the obligation(s) ${unenforceable.join(', ')}` };
  }
  const mask = maskPaths(decision.obligations);
  if (!mask) {
    return { proceed: false, decision, outcome: 'denied', message: `gatehouse: denied: the mask obligation is not a list of JSON paths (${JSON.stringify(decision.obligations.mask)})` };
  }
  if (decision.effect === 'allow') return { proceed: true, decision, mask };
  if (!decision.approvalId) {
    return { proceed: false, decision, outcome: 'denied', message: `gatehouse: denied: the call needs approval but the service created none (${why(decision)})` };
  }
  const id = decision.approvalId;
  const waiting = `gatehouse: this call needs approval (${why(decision)}); approval id ${id}; a reviewer approves it with: ${o.approveHint.replaceAll('{id}', id)}`;
  progress(waiting);
  const heartbeat = setInterval(() => progress(`${waiting} (still waiting)`), o.heartbeatMs ?? 10_000);
  try {
    const outcome = await o.decisions.awaitApproval(id, o.token, signal);
    if (outcome.status === 'approved') return { proceed: true, decision, mask, approval: outcome.reason };
    return { proceed: false, decision, outcome: 'approval-refused', approval: outcome.reason, message: `gatehouse: ${outcome.reason}; the call was not made` };
  } finally {
    clearInterval(heartbeat);
  }
}
