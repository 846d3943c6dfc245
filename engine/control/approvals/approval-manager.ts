import { randomBytes, randomUUID } from 'node:crypto';
import { redactJson, redactText } from '../../../audit/index.ts';
import type { AuditSink } from '../../../audit/index.ts';
import type { ApprovalBinding, ApprovalGate } from '../../decision/index.ts';
import type { Decision } from '../../model/index.ts';
import type { JsonObject } from '../../model/index.ts';
import type { DecisionInput, Subject, TokenFacts } from '../../model/index.ts';
import type { ApprovalRecord, ApprovalResolution, ApprovalStatus, StateStore } from '../state/state-store.ts';
import type { ScopedTokenClaims } from '../tokens/scoped-token-claims.ts';
import { formatResourceRef } from '../../model/index.ts';
import type { IssueTokenParams, TokenIssuer } from '../tokens/token-issuer.ts';
import { approvalEventDraft, type ApprovalEventName } from './approval-audit-event.ts';
import { approvalBindingHash } from './approval-binding.ts';
import { sameIdentity } from '../identity/identity-form.ts';
import { ApprovalCapabilities } from './approval-capability.ts';
import { ApprovalError } from './approval-errors.ts';
import { awaitApprovalUpdates, type ApprovalUpdate } from './await-approval.ts';

export type TokenRecheck = (token: TokenFacts, now: Date) => Promise<{ ok: true } | { ok: false; check: string; reason: string }>;

export interface ApprovalManagerOptions {
  store: StateStore;
  audit: AuditSink;
  /** Decides `approval.review` with the active bundle (wired by the server). */
  decide: (input: DecisionInput) => Promise<Decision>;
  /** Checks a held request's token again when the approval releases it. */
  recheckToken?: TokenRecheck;
  /** Mints the token of an approved IssueToken. */
  tokenIssuer?: TokenIssuer;
  /** How long an approval stays pending before it expires (a deny). Default 10 minutes. */
  ttlMs?: number;
  /** Longest window a reviewer may grant. Default 24 h. */
  maxWindowSeconds?: number;
  clock?: () => Date;
  onError?: (stage: string, error: unknown) => void;
  /** Issues and checks await capabilities; replicas must share its key. Default: a key of this process. */
  capabilities?: ApprovalCapabilities;
}

/** The IssueToken request held by a `token` approval, as stored. */
export interface HeldTokenRequest extends JsonObject {
  actions: string[];
  resource: { type: string; id: string };
  ttlSeconds: number;
  maxUses: number;
  executor: string;
  constraints: JsonObject;
  subjectGroups: string[];
}

/**
 * The approval lifecycle (docs/architecture.md "Approvals"): pending → approved | denied | expired, once.
 * Implements the pipeline's ApprovalGate; reviewers act through approve/deny, waiting parties
 * through watch. Every state change is an audit event.
 */
export class ApprovalManager implements ApprovalGate {
  private readonly ttlMs: number;
  private readonly maxWindowSeconds: number;
  private readonly clock: () => Date;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly capabilities: ApprovalCapabilities;

  constructor(private readonly options: ApprovalManagerOptions) {
    this.capabilities = options.capabilities ?? new ApprovalCapabilities(randomBytes(32));
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.maxWindowSeconds = options.maxWindowSeconds ?? 24 * 3600;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Expires due approvals and purges stale state every `intervalMs` (unref'd). */
  startSweeper(intervalMs = 15_000): void {
    this.sweeper ??= setInterval(() => void this.sweep().catch((error: unknown) => this.options.onError?.('approval-sweep', error)), intervalMs);
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  async sweep(): Promise<void> {
    const now = this.clock();
    // Only the due ones, oldest first: under a flood of new requests the old ones still expire.
    for (const record of await this.options.store.listApprovals({ status: 'pending', limit: 1000, expiredBy: now })) await this.expireIfDue(record, now);
    await this.options.store.purgeExpired(now);
  }

  /** The secret that lets the data plane holding a request await its approval (DecideResponse.approval_capability). */
  capabilityFor(approvalId: string): string {
    return this.capabilities.issue(approvalId);
  }

  /** Constant-time check of an AwaitApproval capability. */
  capabilityMatches(approvalId: string, presented: string): boolean {
    return this.capabilities.verify(approvalId, presented);
  }

  async findWindow(binding: ApprovalBinding, now: Date): Promise<{ approvalId: string } | undefined> {
    const record = await this.options.store.findApprovalWindow(approvalBindingHash(binding), now);
    return record ? { approvalId: record.id } : undefined;
  }

  async requestApproval(request: {
    binding: ApprovalBinding;
    input: DecisionInput;
    decision: Decision;
    decisionId: string;
    requestId: string;
  }): Promise<{ approvalId: string }> {
    const { input } = request;
    const record = this.newRecord('decision', request.binding, input.subject.id, request.decision.reasons, {
      requestId: request.requestId,
      decisionId: request.decisionId,
      input: JSON.parse(JSON.stringify(input)) as JsonObject,
      ...(input.sessionId ? { sessionId: input.sessionId } : {}),
      ...(input.token && input.token.kind !== 'oidc' ? { token: input.token } : {}),
    });
    const stored = await this.create(record);
    // The store dedupes by request_id alone: an approval held for another request (another
    // binding) must never be handed out, or its release would let this request through.
    if (stored.kind !== 'decision' || stored.bindingHash !== record.bindingHash) {
      throw new ApprovalError(
        'GATEHOUSE_APPROVAL_REQUEST_ID_REUSED',
        `request_id ${request.requestId} already holds an approval for a different request; use a new request_id`,
      );
    }
    return { approvalId: stored.id };
  }

  /** Holds an IssueToken that policy answered with require_approval. */
  async requestTokenApproval(request: {
    requester: Subject;
    params: IssueTokenParams;
    decision: Decision;
    input: DecisionInput;
  }): Promise<ApprovalRecord> {
    const { requester, params } = request;
    const held: HeldTokenRequest = {
      actions: params.actions,
      resource: { type: params.resource.type, id: params.resource.id },
      ttlSeconds: params.ttlSeconds,
      maxUses: params.maxUses ?? 0,
      executor: params.executor ?? '',
      constraints: params.constraints ?? {},
      subjectGroups: requester.groups ?? [],
    };
    const binding: ApprovalBinding = {
      subject: requester.id,
      ...(params.executor ? { executor: params.executor } : {}),
      action: 'token.issue',
      resource: held.resource,
      text: JSON.stringify(held),
    };
    const record = this.newRecord('token', binding, requester.id, request.decision.reasons, {
      input: JSON.parse(JSON.stringify(request.input)) as JsonObject,
      issue: held,
    });
    return this.create(record);
  }

  async get(id: string): Promise<ApprovalRecord> {
    const record = await this.options.store.getApproval(id);
    if (!record) throw new ApprovalError('GATEHOUSE_APPROVAL_NOT_FOUND', `approval ${id} does not exist`);
    return (await this.expireIfDue(record, this.clock())) ?? record;
  }

  async list(filter: { status?: ApprovalStatus; limit?: number }): Promise<ApprovalRecord[]> {
    const now = this.clock();
    const records = await this.options.store.listApprovals(filter);
    const current = await Promise.all(records.map(async (r) => (await this.expireIfDue(r, now)) ?? r));
    return filter.status ? current.filter((r) => r.status === filter.status) : current;
  }

  /**
   * Whether `caller` may see an approval: the parties of the held request may, and so may
   * anyone policy allows `approval.review` on it (verdict `view`).
   */
  async mayView(record: ApprovalRecord, caller: Subject): Promise<boolean> {
    if (isParty(record, caller)) return true;
    const decision = await this.options.decide(this.reviewInput(record, caller, { verdict: 'view' }, this.clock()));
    return decision.effect === 'allow';
  }

  async approve(id: string, reviewer: Subject, options: { comment?: string; windowSeconds?: number } = {}): Promise<ApprovalRecord> {
    const windowSeconds = options.windowSeconds ?? 0;
    if (!Number.isInteger(windowSeconds) || windowSeconds < 0 || windowSeconds > this.maxWindowSeconds) {
      throw new ApprovalError('GATEHOUSE_APPROVAL_WINDOW', `window_seconds must be an integer from 0 to ${this.maxWindowSeconds}`);
    }
    const { record, now } = await this.authorizeReview(id, reviewer, 'approve', options.comment, windowSeconds);
    const base = { resolvedAt: now.toISOString(), reviewer: reviewer.id, ...(options.comment ? { comment: options.comment } : {}) };

    if (record.token && this.options.recheckToken) {
      const check = await this.options.recheckToken(record.token, now);
      if (!check.ok) {
        const resolutionReason = `token:${check.check}: ${check.reason} (checked again at release)`;
        await this.resolve(record, { status: 'denied', ...base, resolutionReason }, 'denied');
        throw new ApprovalError('GATEHOUSE_APPROVAL_TOKEN_INVALID', `approval ${id} was not released: ${resolutionReason}`);
      }
    }
    const resolution: ApprovalResolution = { status: 'approved', ...base };
    if (windowSeconds > 0 && record.kind === 'decision') resolution.windowUntil = new Date(now.getTime() + windowSeconds * 1000).toISOString();
    if (record.kind === 'token') resolution.mintedClaims = { ...(await this.mintClaims(record, now)) };
    return this.resolve(record, resolution, 'approved');
  }

  async deny(id: string, reviewer: Subject, options: { comment?: string } = {}): Promise<ApprovalRecord> {
    const { record, now } = await this.authorizeReview(id, reviewer, 'deny', options.comment, 0);
    return this.resolve(
      record,
      { status: 'denied', resolvedAt: now.toISOString(), reviewer: reviewer.id, ...(options.comment ? { comment: options.comment } : {}) },
      'denied',
    );
  }

  /**
   * Updates for a waiting party until the approval resolves or expires; the last one is final.
   * A minted token is included only when `caller` is the identity that asked for it.
   */
  watch(id: string, caller: Subject | undefined, signal: AbortSignal): AsyncGenerator<ApprovalUpdate> {
    return awaitApprovalUpdates({
      id,
      store: this.options.store,
      signal,
      clock: this.clock,
      read: () => this.get(id),
      tokenFor: async (record) => {
        const claims = record.mintedClaims;
        if (record.kind !== 'token' || record.status !== 'approved' || !claims || !this.options.tokenIssuer) return undefined;
        if (!caller || !sameIdentity(caller.id, record.requestedBy)) return undefined;
        return this.options.tokenIssuer.sign(claims as unknown as ScopedTokenClaims);
      },
    });
  }

  private async authorizeReview(
    id: string,
    reviewer: Subject,
    verdict: 'approve' | 'deny',
    comment: string | undefined,
    windowSeconds: number,
  ): Promise<{ record: ApprovalRecord; now: Date }> {
    const now = this.clock();
    const record = await this.get(id);
    if (record.status !== 'pending') {
      throw new ApprovalError('GATEHOUSE_APPROVAL_RESOLVED', `approval ${id} is already ${record.status}`);
    }
    const { binding } = record;
    if (sameIdentity(reviewer.id, binding.subject) || sameIdentity(reviewer.id, binding.executor) || sameIdentity(reviewer.id, record.requestedBy)) {
      const role = sameIdentity(reviewer.id, binding.subject) ? 'subject' : sameIdentity(reviewer.id, binding.executor) ? 'executor' : 'requester';
      throw new ApprovalError('GATEHOUSE_APPROVAL_SELF', `${reviewer.id} is the ${role} of approval ${id} and cannot review it`);
    }
    const decision = await this.options.decide(this.reviewInput(record, reviewer, { verdict, windowSeconds, ...(comment ? { comment } : {}) }, now));
    if (decision.effect !== 'allow') {
      const why = decision.reasons.length > 0 ? decision.reasons.join('; ') : 'policy did not allow approval.review';
      throw new ApprovalError('GATEHOUSE_APPROVAL_FORBIDDEN', `${reviewer.id} may not review approval ${id}: ${why}`);
    }
    return { record, now };
  }

  /** The `approval.review` request (docs/architecture.md "Approvals"): resource `{type: "Approval", id, attributes: {action, resource, subject, executor}}`. */
  private reviewInput(record: ApprovalRecord, reviewer: Subject, context: JsonObject, now: Date): DecisionInput {
    const { binding } = record;
    return {
      subject: reviewer,
      action: 'approval.review',
      resource: {
        type: 'Approval',
        id: record.id,
        attributes: {
          action: binding.action,
          resource: formatResourceRef(binding.resource),
          subject: binding.subject,
          executor: binding.executor ?? '',
        },
      },
      context,
      time: now.toISOString(),
    };
  }

  private async mintClaims(record: ApprovalRecord, now: Date): Promise<ScopedTokenClaims> {
    const issuer = this.options.tokenIssuer;
    const held = record.issue as HeldTokenRequest | undefined;
    if (!issuer || !held) throw new ApprovalError('GATEHOUSE_APPROVAL_NO_ISSUER', `approval ${record.id} cannot mint a token here`);
    const claims = issuer.buildClaims({
      subject: { id: record.requestedBy, groups: held.subjectGroups },
      actions: held.actions,
      resource: held.resource,
      ttlSeconds: held.ttlSeconds,
      ...(held.maxUses ? { maxUses: held.maxUses } : {}),
      ...(held.executor ? { executor: held.executor } : {}),
      constraints: held.constraints,
      now,
    });
    await issuer.record(claims);
    return claims;
  }

  private newRecord(
    kind: ApprovalRecord['kind'],
    binding: ApprovalBinding,
    requestedBy: string,
    reasons: string[],
    extra: Partial<ApprovalRecord> & { input: JsonObject },
  ): ApprovalRecord {
    const now = this.clock();
    // Stored and shown redacted, like audit events; the hash (what windows match on) covers the raw text.
    const text = redactText(binding.text);
    return {
      id: randomUUID(),
      kind,
      status: 'pending',
      bindingHash: approvalBindingHash(binding),
      binding: { ...binding, text },
      ...(text !== binding.text ? { textRedacted: true } : {}),
      requestedBy,
      reasons: reasons.map(redactText),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
      ...extra,
      input: redactJson(extra.input).value,
    };
  }

  private async create(record: ApprovalRecord): Promise<ApprovalRecord> {
    const stored = await this.options.store.createApproval(record);
    // A retried request_id returns the approval it already created, and audits nothing new.
    if (stored.id === record.id) await this.options.audit.append(approvalEventDraft('requested', stored));
    return stored;
  }

  private async resolve(record: ApprovalRecord, resolution: ApprovalResolution, event: ApprovalEventName): Promise<ApprovalRecord> {
    const updated = await this.options.store.resolveApproval(record.id, resolution);
    if (!updated) {
      const now = await this.options.store.getApproval(record.id);
      throw new ApprovalError('GATEHOUSE_APPROVAL_RESOLVED', `approval ${record.id} is already ${now?.status ?? 'resolved'}`);
    }
    await this.options.audit.append(approvalEventDraft(event, updated));
    return updated;
  }

  /** Returns the expired record when this call expired it, undefined when it was not due. */
  private async expireIfDue(record: ApprovalRecord, now: Date): Promise<ApprovalRecord | undefined> {
    if (record.status !== 'pending' || Date.parse(record.expiresAt) > now.getTime()) return undefined;
    const updated = await this.options.store.resolveApproval(record.id, {
      status: 'expired',
      resolvedAt: now.toISOString(),
      resolutionReason: `no reviewer decided within ${Math.round(this.ttlMs / 1000)} s`,
    });
    if (!updated) return this.options.store.getApproval(record.id);
    await this.options.audit.append(approvalEventDraft('expired', updated)).catch((error: unknown) => this.options.onError?.('approval-audit', error));
    return updated;
  }
}

/** The parties of the held request (requester, subject, executor), compared in identity form. */
export function isParty(record: ApprovalRecord, caller: Subject): boolean {
  const { binding } = record;
  return sameIdentity(caller.id, record.requestedBy) || sameIdentity(caller.id, binding.subject) || sameIdentity(caller.id, binding.executor);
}
