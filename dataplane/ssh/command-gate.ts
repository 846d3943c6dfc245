import type { JsonObject } from '../../engine/model/index.ts';
import type { Resource } from '../../engine/model/index.ts';
import { unenforceableObligations, type DataPlaneDecision, type DecisionClient } from '../sdk/index.ts';

/** The SSH proxy enforces no obligations: any obligation (e.g. `mask`) turns an allow into a deny. */
const ENFORCEABLE: readonly string[] = [];

export interface CommandGateOptions {
  decisions: DecisionClient;
  resource: Resource;
  /** The credential the client logged in with (scoped token or OIDC JWT); never logged. */
  token: string;
  sessionId: string;
  /** The SSH user name the client logged in as, given to policy as `context.ssh.user`. */
  sshUser: string;
  /** How to tell a waiting user to approve; `{id}` is replaced by the approval id. */
  approveHint: string;
}

export type GateOutcome =
  | { run: true; decision: DataPlaneDecision; approval?: string }
  | { run: false; decision: DataPlaneDecision; outcome: 'denied' | 'approval-refused'; message: string; approval?: string };

/**
 * Decides one command line as `ssh.exec`. The raw text goes to the service, which computes
 * the facts. Deny, an unenforceable obligation, or an approval that is not granted mean the
 * command does not run; `notify` shows the user what is happening while an approval is held.
 */
export async function gateCommand(
  o: CommandGateOptions,
  text: string,
  mode: 'exec' | 'shell',
  notify: (message: string) => void,
  signal: AbortSignal,
): Promise<GateOutcome> {
  const context: JsonObject = { command: { text }, ssh: { mode, user: o.sshUser } };
  const decision = await o.decisions.decide({ action: 'ssh.exec', resource: o.resource, context, token: o.token, sessionId: o.sessionId });
  const why = (d: DataPlaneDecision): string => (d.reasons.length > 0 ? d.reasons.join('; ') : 'no reason given');
  if (decision.effect === 'deny') {
    return { run: false, decision, outcome: 'denied', message: `gatehouse: command denied: ${why(decision)}` };
  }
  const unenforceable = unenforceableObligations(decision.obligations, ENFORCEABLE);
  if (unenforceable.length > 0) {
    return {
      run: false,
      decision,
      outcome: 'denied',
      message: `gatehouse: command denied: the SSH proxy cannot enforce the obligation(s) ${unenforceable.join(', ')}`,
    };
  }
  if (decision.effect === 'allow') return { run: true, decision };
  if (!decision.approvalId) {
    return { run: false, decision, outcome: 'denied', message: `gatehouse: command denied: it needs approval but the service created none (${why(decision)})` };
  }
  const id = decision.approvalId;
  notify(`gatehouse: this command needs approval (${why(decision)}).\r\ngatehouse: approval id ${id}; a reviewer approves it with: ${o.approveHint.replaceAll('{id}', id)}\r\ngatehouse: waiting for the approval (Ctrl-C or closing the session gives up)...`);
  const outcome = await o.decisions.awaitApproval(id, o.token, signal);
  if (outcome.status === 'approved') return { run: true, decision, approval: outcome.reason };
  return {
    run: false,
    decision,
    outcome: 'approval-refused',
    approval: outcome.reason,
    message: `gatehouse: ${outcome.reason}; the command was not run`,
  };
}
