import { SERVICE_NAMES } from '../../proto/gatehouse-protos.ts';
import { sameIdentity } from '../control/index.ts';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { decisionEventDraft } from '../../audit/index.ts';
import type { AuditSink } from '../../audit/index.ts';
import type { IntrospectTokenResponse } from '../../proto/generated/gatehouse/v1/IntrospectTokenResponse.ts';
import type { IssueTokenRequest__Output } from '../../proto/generated/gatehouse/v1/IssueTokenRequest.ts';
import type { Timestamp } from '../../proto/generated/google/protobuf/Timestamp.ts';
import type { TokenServiceHandlers } from '../../proto/generated/gatehouse/v1/TokenService.ts';
import type { ApprovalManager } from '../control/index.ts';
import { authenticateCaller } from './bearer-credential.ts';
import type { OidcVerifier } from '../control/index.ts';
import { GatehouseError, type Decision } from '../model/index.ts';
import type { JsonObject } from '../model/index.ts';
import type { DecisionInput, Resource, Subject } from '../model/index.ts';
import type { StateStore } from '../control/index.ts';
import { toFacts } from '../control/index.ts';
import { tokenEventDraft } from '../control/index.ts';
import type { TokenAuthority } from '../control/index.ts';
import { TokenRequestError, type IssueTokenParams } from '../control/index.ts';
import { unary } from './grpc-status.ts';
import { InvalidRequestError } from '../decision/index.ts';
import { jsonToStruct } from '../../proto/struct-json.ts';
import { decodeRequestStruct } from './decode-request-struct.ts';

export const TOKEN_SERVICE_NAME = SERVICE_NAMES.TokenService;

/** Evaluates a request against the active bundle (the server wires evaluateRequest on it). */
export type PolicyDecider = (input: DecisionInput) => Promise<Decision>;

export interface TokenServiceOptions {
  authority: TokenAuthority;
  store: StateStore;
  approvals: ApprovalManager;
  audit: AuditSink;
  oidc: OidcVerifier | undefined;
  decide: PolicyDecider;
  /** The active bundle revision, recorded in the token.issue decision event. */
  revision?: () => string;
  clock?: () => Date;
  onError?: (error: unknown) => void;
}

/** TokenService: IssueToken decided by policy as `token.issue`, introspection, revocation, JWKS. */
export function tokenServiceHandlers(options: TokenServiceOptions): TokenServiceHandlers {
  const clock = options.clock ?? (() => new Date());
  const { authority, store, audit } = options;

  const issueToken = async (call: grpc.ServerUnaryCall<IssueTokenRequest__Output, unknown>) => {
    const now = clock();
    const caller = await authenticateCaller(call.metadata, options.oidc, now);
    const request = call.request;
    const resource = readResource(request.resource);
    const constraints = decodeRequestStruct(request.constraints, 'constraints');
    const params: IssueTokenParams = {
      subject: caller,
      actions: request.actions,
      resource: { type: resource.type, id: resource.id },
      ttlSeconds: request.ttl_seconds,
      ...(request.max_uses ? { maxUses: request.max_uses } : {}),
      ...(request.executor ? { executor: request.executor } : {}),
      constraints,
      now,
    };
    if (request.actions.length > 32) throw new TokenRequestError('actions: at most 32');
    authority.issuer.buildClaims(params); // validates before any policy runs

    // The context keys policies read (docs/policies.md): present only when set.
    const context: JsonObject = { actions: request.actions, ttlSeconds: request.ttl_seconds };
    if (request.max_uses) context.maxUses = request.max_uses;
    if (request.executor) context.executor = request.executor;
    if (Object.keys(constraints).length > 0) context.constraints = constraints;
    const input: DecisionInput = { subject: caller, action: 'token.issue', resource, context, time: now.toISOString() };
    const started = performance.now();
    const decision = await options.decide(input);
    const engineMicros = (performance.now() - started) * 1000;
    const decisionId = randomUUID();

    let approvalId: string | undefined;
    if (decision.effect === 'require_approval') {
      approvalId = (await options.approvals.requestTokenApproval({ requester: caller, params, decision, input })).id;
    }
    await audit.append(
      decisionEventDraft({
        decisionId,
        requestId: '',
        effect: decision.effect,
        reasons: decision.reasons,
        obligations: decision.obligations,
        policyRevision: options.revision?.() ?? '',
        engineMicros,
        input,
        ...(approvalId ? { approvalId } : {}),
      }),
    );
    // Only an allow mints: an effect outside the contract is a refusal, like a deny.
    if (decision.effect !== 'allow' && !approvalId) {
      await audit.append(tokenEventDraft('refused', { subject: caller.id, check: 'policy', reasons: decision.reasons, requestedBy: caller.id }));
      throw new GatehouseError('GATEHOUSE_TOKEN_DENIED', `token.issue denied: ${decision.reasons.join('; ') || 'no policy allowed it'}`);
    }
    if (approvalId) return { approval_id: approvalId, reasons: decision.reasons };
    const issued = await authority.issuer.issue(params);
    // The token is handed out only once its issue is on the audit trail.
    await audit.append(tokenEventDraft('issued', { claims: issued.claims, subject: caller.id }));
    return {
      token: issued.token,
      token_id: issued.tokenId,
      expires_at: timestamp(issued.expiresAt),
      reasons: decision.reasons,
    };
  };

  const introspect = async (call: grpc.ServerUnaryCall<{ token: string }, unknown>): Promise<IntrospectTokenResponse> => {
    const now = clock();
    await authenticateCaller(call.metadata, options.oidc, now);
    if (!call.request.token) throw new InvalidRequestError('token', 'required');
    const verified = await authority.gate.verify(call.request.token, now);
    if ('check' in verified) return { active: false, inactive_check: verified.check, inactive_reason: verified.reason };
    const uses = await store.getTokenUses(verified.jti);
    const facts = toFacts(verified, undefined, uses);
    const revoked = await store.findRevocation({ id: verified.jti, subject: verified.sub, issuedAt: new Date(verified.iat * 1000) });
    const spent = verified.max_uses !== undefined && uses >= verified.max_uses;
    const response: IntrospectTokenResponse = {
      active: !revoked && !spent,
      token_id: facts.id,
      subject: facts.subject,
      executor: facts.executor ?? '',
      actions: facts.actions,
      resource: { type: facts.resource.type, id: facts.resource.id },
      constraints: jsonToStruct(facts.constraints),
      groups: facts.groups ?? [],
      max_uses: facts.maxUses ?? 0,
      uses,
      issued_at: timestamp(new Date(verified.iat * 1000)),
      expires_at: timestamp(new Date(verified.exp * 1000)),
    };
    if (revoked) Object.assign(response, { inactive_check: 'revoked', inactive_reason: revoked });
    else if (spent) Object.assign(response, { inactive_check: 'uses', inactive_reason: `the token's ${verified.max_uses} use(s) are spent` });
    return response;
  };

  const revoke = async (call: grpc.ServerUnaryCall<{ token_id?: string; subject?: string; target?: string }, unknown>) => {
    const now = clock();
    const caller = await authenticateCaller(call.metadata, options.oidc, now);
    const { target } = call.request;
    if (target === 'token_id' && call.request.token_id) {
      const tokenId = call.request.token_id;
      const issued = await store.getIssuedToken(tokenId);
      if (!issued) throw new GatehouseError('GATEHOUSE_TOKEN_NOT_FOUND', `token ${tokenId} is unknown or already expired`);
      if (!sameIdentity(issued.subject, caller.id)) await authorizeRevoke(caller, { type: 'Token', id: tokenId, attributes: { subject: issued.subject } }, now);
      await store.revokeToken(tokenId, new Date(issued.expiresAt), now);
      await audit.append(tokenEventDraft('revoked', { subject: issued.subject, tokenId, requestedBy: caller.id }));
    } else if (target === 'subject' && call.request.subject) {
      const subject = call.request.subject;
      if (!sameIdentity(subject, caller.id)) await authorizeRevoke(caller, { type: 'Subject', id: subject }, now);
      await store.revokeSubject(subject, now);
      await audit.append(tokenEventDraft('revoked', { subject, revokedSubject: subject, requestedBy: caller.id }));
    } else {
      throw new InvalidRequestError('target', 'set token_id or subject');
    }
    return { revoked_at: timestamp(now) };
  };

  const authorizeRevoke = async (caller: Subject, resource: Resource, now: Date) => {
    const decision = await options.decide({ subject: caller, action: 'token.revoke', resource, context: {}, time: now.toISOString() });
    if (decision.effect !== 'allow') {
      throw new GatehouseError('GATEHOUSE_TOKEN_DENIED', `token.revoke denied: ${decision.reasons.join('; ') || 'no policy allowed it'}`);
    }
  };

  return {
    IssueToken: unary(issueToken, options.onError),
    IntrospectToken: unary(introspect, options.onError),
    RevokeToken: unary(revoke, options.onError),
    GetJwks: unary(async () => ({ keys: authority.ring.jwks().keys }), options.onError),
  };
}

function readResource(resource: IssueTokenRequest__Output['resource']): Resource {
  if (!resource?.type) throw new InvalidRequestError('resource.type', 'required');
  if (!resource.id) throw new InvalidRequestError('resource.id', 'required');
  const attributes = decodeRequestStruct(resource.attributes, 'resource.attributes');
  return { type: resource.type, id: resource.id, ...(Object.keys(attributes).length > 0 ? { attributes } : {}) };
}

export function timestamp(date: Date): Timestamp {
  const ms = date.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
