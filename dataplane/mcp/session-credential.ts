import type { Resource } from '../../engine/model/index.ts';
import type { DataPlaneDecision, DecisionClient } from '../sdk/index.ts';

/** Token checks that mean the credential itself is bad (RFC 6750 invalid_token → 401). */
const INVALID_TOKEN_CHECKS = new Set(['format', 'algorithm', 'signature', 'issuer', 'expired', 'not_yet_valid', 'revoked', 'claims', 'uses']);

export type CredentialVerdict =
  | { ok: true; decision: DataPlaneDecision; resource: Resource }
  | { ok: false; status: 401 | 403 | 503; error: 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable'; reason: string; decision: DataPlaneDecision };

const MCP_TYPES = new Set(['McpTool', 'McpResource', 'McpPrompt']);

/**
 * The resource a session's `mcp.connect` is asked about. A scoped token is bound to one MCP
 * tool, resource or prompt (its `aud`), so that is what the session connects to; anything
 * else (an OIDC JWT, a token for another kind of resource) connects to the gateway itself.
 * The claim is only read here to pick the question; the service verifies the token.
 */
export function connectResource(token: string, gateway: Resource): Resource {
  const payload = token.split('.')[1];
  if (!payload) return gateway;
  let aud: unknown;
  try {
    aud = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown }).aud;
  } catch {
    return gateway;
  }
  if (typeof aud !== 'string') return gateway;
  const colon = aud.indexOf(':');
  const type = aud.slice(0, colon);
  return colon > 0 && MCP_TYPES.has(type) && colon < aud.length - 1 ? { type, id: aud.slice(colon + 1) } : gateway;
}

/**
 * Decides `mcp.connect` for a new session (uses are not consumed by `*.connect`). A failed
 * token check is 401 invalid_token, a token for something else 403 insufficient_scope, a
 * policy deny 403, a decision service that cannot answer 503: never a session.
 */
export async function verifySessionCredential(decisions: DecisionClient, token: string, gateway: Resource, sessionId: string, client?: string): Promise<CredentialVerdict> {
  const resource = connectResource(token, gateway);
  const decision = await decisions.decide({ action: 'mcp.connect', resource, context: { mcp: { client: client ?? '' } }, token, sessionId });
  if (decision.effect === 'allow') return { ok: true, decision, resource };
  const reason = decision.reasons.length > 0 ? decision.reasons.join('; ') : 'no reason given';
  const check = /^token:([a-z_]+):/.exec(decision.reasons[0] ?? '')?.[1];
  if (decision.decisionId === '') return { ok: false, status: 503, error: 'temporarily_unavailable', reason, decision };
  if (check && INVALID_TOKEN_CHECKS.has(check)) return { ok: false, status: 401, error: 'invalid_token', reason, decision };
  return { ok: false, status: 403, error: 'insufficient_scope', reason, decision };
}
