import * as grpc from '@grpc/grpc-js';
import { loadGatehouseProtos } from '../../proto/gatehouse-protos.ts';
import type { ProtoGrpcType as ApprovalProto } from '../../proto/generated/approval.ts';
import type { AwaitApprovalResponse__Output } from '../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import type { ApprovalOutcome } from './data-plane-decision.ts';
import type { GrpcDecisionClientOptions } from './grpc-decision-client.ts';

const OUTCOMES: Record<string, ApprovalOutcome['status']> = {
  APPROVAL_STATUS_APPROVED: 'approved',
  APPROVAL_STATUS_DENIED: 'denied',
  APPROVAL_STATUS_EXPIRED: 'expired',
};

/**
 * Holds a data-plane request on ApprovalService.AwaitApproval until it resolves. The data
 * plane awaits without a credential, presenting the approval's capability from the
 * require_approval answer (the service then streams status only, never a minted token). Anything but a final APPROVED (a broken stream, an abort, an unknown status) is
 * returned as not approved, so the held statement or command is refused: fail closed.
 */
export function awaitApprovalOverGrpc(
  options: GrpcDecisionClientOptions,
  approvalId: string,
  capability: string,
  _token: string | undefined,
  signal?: AbortSignal,
): Promise<ApprovalOutcome> {
  const protos = loadGatehouseProtos().grpcObject as unknown as ApprovalProto;
  const client = new protos.gatehouse.v1.ApprovalService(options.address, options.credentials ?? grpc.credentials.createInsecure());
  return new Promise<ApprovalOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: ApprovalOutcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
      client.close();
      resolve(outcome);
    };
    const call = client.AwaitApproval({ approval_id: approvalId, capability });
    const onAbort = (): void => finish({ status: 'unavailable', approvalId, reason: `approval:${approvalId}: no longer awaited (the client went away)` });
    if (signal?.aborted) {
      queueMicrotask(onAbort);
    } else {
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    call.on('data', (message: AwaitApprovalResponse__Output) => {
      if (!message.final) return;
      const status = OUTCOMES[message.approval?.status ?? ''] ?? 'unavailable';
      const reviewer = message.approval ? describeResolution(message) : '';
      finish({ status, approvalId, reason: `approval:${approvalId}: ${status}${reviewer}` });
    });
    call.on('error', (error: grpc.ServiceError) => {
      finish({ status: 'unavailable', approvalId, reason: `approval:${approvalId}: approval service unavailable (${grpcDetail(error)})` });
    });
    call.on('end', () => finish({ status: 'unavailable', approvalId, reason: `approval:${approvalId}: the approval stream ended before it resolved` }));
  });
}

/** grpc-js appends an empty "Resolution note: " to connection failures; keep the useful part. */
export function grpcDetail(error: grpc.ServiceError): string {
  return (error.details || error.message).replace(/\.?\s*Resolution note:\s*$/, '');
}

function describeResolution(message: AwaitApprovalResponse__Output): string {
  const approval = message.approval;
  const by = approval?.reviewer ? ` by ${approval.reviewer}` : '';
  const comment = approval?.comment ? ` (${approval.comment})` : '';
  return `${by}${comment}`;
}
