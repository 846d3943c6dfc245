import type * as grpc from '@grpc/grpc-js';
import { SERVICE_NAMES } from '../../proto/gatehouse-protos.ts';
import type { Approval } from '../../proto/generated/gatehouse/v1/Approval.ts';
import type { ApprovalServiceHandlers } from '../../proto/generated/gatehouse/v1/ApprovalService.ts';
import type { ApprovalStatus as ProtoStatus } from '../../proto/generated/gatehouse/v1/ApprovalStatus.ts';
import type { AwaitApprovalRequest__Output } from '../../proto/generated/gatehouse/v1/AwaitApprovalRequest.ts';
import type { AwaitApprovalResponse } from '../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import { ApprovalError } from '../control/index.ts';
import type { ApprovalManager } from '../control/index.ts';
import { authenticateCaller, bearerCredential } from './bearer-credential.ts';
import type { OidcVerifier } from '../control/index.ts';
import type { Subject } from '../model/index.ts';
import type { ApprovalRecord, ApprovalStatus } from '../control/index.ts';
import { decodeJwt } from 'jose';
import { InvalidRequestError } from '../decision/index.ts';
import { statusOf, unary } from './grpc-status.ts';
import { timestamp } from './token-service.ts';

export const APPROVAL_SERVICE_NAME = SERVICE_NAMES.ApprovalService;

const TO_PROTO: Record<ApprovalStatus, ProtoStatus> = {
  pending: 'APPROVAL_STATUS_PENDING',
  approved: 'APPROVAL_STATUS_APPROVED',
  denied: 'APPROVAL_STATUS_DENIED',
  expired: 'APPROVAL_STATUS_EXPIRED',
};
const FROM_PROTO: Partial<Record<string, ApprovalStatus>> = {
  APPROVAL_STATUS_PENDING: 'pending',
  APPROVAL_STATUS_APPROVED: 'approved',
  APPROVAL_STATUS_DENIED: 'denied',
  APPROVAL_STATUS_EXPIRED: 'expired',
};
const MAX_COMMENT = 1024;

export interface ApprovalServiceOptions {
  approvals: ApprovalManager;
  oidc: OidcVerifier | undefined;
  clock?: () => Date;
  onError?: (error: unknown) => void;
}

/** ApprovalService: reviewers list, inspect, approve and deny; waiting parties await. */
export function approvalServiceHandlers(options: ApprovalServiceOptions): ApprovalServiceHandlers {
  const clock = options.clock ?? (() => new Date());
  const { approvals } = options;
  const caller = (metadata: grpc.Metadata) => authenticateCaller(metadata, options.oidc, clock());

  const visible = async (id: string, who: Subject): Promise<ApprovalRecord> => {
    if (!id) throw new InvalidRequestError('approval_id', 'required');
    const record = await approvals.get(id);
    // Not revealing that an approval exists to someone who may not see it.
    if (!(await approvals.mayView(record, who))) throw new ApprovalError('GATEHOUSE_APPROVAL_NOT_FOUND', `approval ${id} does not exist`);
    return record;
  };

  return {
    ListApprovals: unary(async (call) => {
      const who = await caller(call.metadata);
      const status = FROM_PROTO[call.request.status];
      const limit = call.request.limit || 100;
      if (limit > 1000) throw new InvalidRequestError('limit', 'at most 1000');
      const records = await approvals.list({ ...(status ? { status } : {}), limit });
      const shown: Approval[] = [];
      for (const record of records) if (await approvals.mayView(record, who)) shown.push(toProto(record));
      return { approvals: shown };
    }, options.onError),

    GetApproval: unary(async (call) => {
      const who = await caller(call.metadata);
      return { approval: toProto(await visible(call.request.approval_id, who)) };
    }, options.onError),

    Approve: unary(async (call) => {
      const who = await caller(call.metadata);
      const { approval_id: id, comment, window_seconds: windowSeconds } = call.request;
      if (!id) throw new InvalidRequestError('approval_id', 'required');
      if (comment.length > MAX_COMMENT) throw new InvalidRequestError('comment', `at most ${MAX_COMMENT} characters`);
      const record = await approvals.approve(id, who, { ...(comment ? { comment } : {}), windowSeconds });
      return { approval: toProto(record) };
    }, options.onError),

    Deny: unary(async (call) => {
      const who = await caller(call.metadata);
      const { approval_id: id, comment } = call.request;
      if (!id) throw new InvalidRequestError('approval_id', 'required');
      if (comment.length > MAX_COMMENT) throw new InvalidRequestError('comment', `at most ${MAX_COMMENT} characters`);
      return { approval: toProto(await approvals.deny(id, who, comment ? { comment } : {})) };
    }, options.onError),

    AwaitApproval: (call: grpc.ServerWritableStream<AwaitApprovalRequest__Output, AwaitApprovalResponse>) => {
      void awaitApproval(call, options, clock).catch((error: unknown) => {
        if (!call.cancelled) call.emit('error', statusOf(error, options.onError ? { onInternal: options.onError } : {}));
      });
    },
  };
}

async function awaitApproval(
  call: grpc.ServerWritableStream<AwaitApprovalRequest__Output, AwaitApprovalResponse>,
  options: ApprovalServiceOptions,
  clock: () => Date,
): Promise<void> {
  const id = call.request.approval_id;
  if (!id) throw new InvalidRequestError('approval_id', 'required');
  let who: Subject | undefined;
  if (bearerCredential(call.metadata) !== undefined) {
    // A credential: the same rule as GetApproval (a party of the request, or a reviewer policy
    // allows to view it); anyone else is told the approval does not exist.
    who = await authenticateCaller(call.metadata, options.oidc, clock());
    const record = await options.approvals.get(id).catch((error: unknown) => {
      throw error instanceof ApprovalError ? notFound(id) : error;
    });
    if (!(await options.approvals.mayView(record, who))) throw notFound(id);
  } else {
    // No credential: only the data plane holding the request, by the capability it was handed.
    // Checked before any lookup, so the answer says nothing about whether the id exists.
    if (!options.approvals.capabilityMatches(id, call.request.capability)) {
      throw new ApprovalError(
        'GATEHOUSE_APPROVAL_CAPABILITY',
        'awaiting an approval needs an authorization credential, or the approval_capability of the require_approval answer',
      );
    }
    await options.approvals.get(id);
  }
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  for await (const update of options.approvals.watch(id, who, controller.signal)) {
    // Without a credential (a data plane holding a request) only the resolution is sent: the
    // held command text, its parties and reasons stay with authenticated viewers.
    const approval = who === undefined ? statusOnly(toProto(update.approval)) : toProto(update.approval);
    const message: AwaitApprovalResponse = { approval, final: update.final };
    if (update.token) {
      const claims = decodeJwt(update.token);
      message.token = update.token;
      message.token_id = typeof claims.jti === 'string' ? claims.jti : '';
      if (typeof claims.exp === 'number') message.token_expires_at = timestamp(new Date(claims.exp * 1000));
    }
    if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
  }
  if (!call.cancelled) call.end();
}

function notFound(id: string): ApprovalError {
  return new ApprovalError('GATEHOUSE_APPROVAL_NOT_FOUND', `approval ${id} does not exist`);
}

function statusOnly(approval: Approval): Approval {
  const view: Approval = {
    approval_id: approval.approval_id,
    kind: approval.kind,
    status: approval.status,
    reviewer: approval.reviewer,
    comment: approval.comment,
    resolution_reason: approval.resolution_reason,
  };
  if (approval.expires_at) view.expires_at = approval.expires_at;
  if (approval.resolved_at) view.resolved_at = approval.resolved_at;
  if (approval.window_until) view.window_until = approval.window_until;
  return view;
}

export function toProto(record: ApprovalRecord): Approval {
  const { binding } = record;
  const approval: Approval = {
    approval_id: record.id,
    kind: record.kind === 'token' ? 'APPROVAL_KIND_TOKEN' : 'APPROVAL_KIND_DECISION',
    status: TO_PROTO[record.status],
    subject: binding.subject,
    executor: binding.executor ?? '',
    action: binding.action,
    resource: { type: binding.resource.type, id: binding.resource.id },
    // The reviewer approves the values too: an Execute's approval is bound to its parameters.
    text: binding.parameters === undefined ? binding.text : `${binding.text}\n-- parameters: ${JSON.stringify(binding.parameters)}`,
    reasons: record.reasons,
    request_id: record.kind === 'token' ? '' : (record.requestId ?? ''),
    decision_id: record.decisionId ?? '',
    session_id: record.sessionId ?? '',
    // Where a secret was redacted from the text, its hash would let a viewer test guesses offline.
    binding_hash: record.textRedacted ? '' : record.bindingHash,
    requested_by: record.requestedBy,
    created_at: timestamp(new Date(record.createdAt)),
    expires_at: timestamp(new Date(record.expiresAt)),
    reviewer: record.reviewer ?? '',
    comment: record.comment ?? '',
    resolution_reason: record.resolutionReason ?? '',
  };
  if (record.resolvedAt) approval.resolved_at = timestamp(new Date(record.resolvedAt));
  if (record.windowUntil) approval.window_until = timestamp(new Date(record.windowUntil));
  return approval;
}
