import * as grpc from '@grpc/grpc-js';
import { loadGatehouseProtos } from '../../proto/gatehouse-protos.ts';
import type { AwaitApprovalResponse__Output } from '../../proto/generated/gatehouse/v1/AwaitApprovalResponse.ts';
import type { ApprovalOutcome } from './data-plane-decision.ts';
import type { GrpcDecisionClientOptions } from './grpc-decision-client-options.ts';
import { replicaAddresses } from './replica-addresses.ts';

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
export async function awaitApprovalOverGrpc(
  options: GrpcDecisionClientOptions,
  approvalId: string,
  capability: string,
  _token: string | undefined,
  signal?: AbortSignal,
): Promise<ApprovalOutcome> {
  const addresses = replicaAddresses(options.address);
  // A replica that goes away mid-wait (UNAVAILABLE, or a stream that ends before the final
  // state) is replaced by the next one: replicas share the approval state and accept each
  // other's capabilities. Each replica gets two tries before the wait fails closed.
  let last: ApprovalOutcome = { status: 'unavailable', approvalId, reason: `approval:${approvalId}: approval service unavailable` };
  for (let attempt = 0; attempt < addresses.length * 2; attempt++) {
    if (signal?.aborted) break;
    const result = await awaitOnReplica(addresses[attempt % addresses.length]!, options, approvalId, capability, signal);
    if (!result.retry) return result.outcome;
    last = result.outcome;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return signal?.aborted ? { status: 'unavailable', approvalId, reason: `approval:${approvalId}: no longer awaited (the client went away)` } : last;
}

function awaitOnReplica(
  address: string,
  options: GrpcDecisionClientOptions,
  approvalId: string,
  capability: string,
  signal: AbortSignal | undefined,
): Promise<{ outcome: ApprovalOutcome; retry: boolean }> {
  const client = new (loadGatehouseProtos().services.ApprovalService)(address, options.credentials ?? grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: ApprovalOutcome, retry = false): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
      client.close();
      resolve({ outcome, retry });
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
      const retry = error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.INTERNAL || error.code === grpc.status.UNKNOWN;
      finish({ status: 'unavailable', approvalId, reason: `approval:${approvalId}: approval service unavailable (${grpcDetail(error)})` }, retry);
    });
    call.on('end', () => finish({ status: 'unavailable', approvalId, reason: `approval:${approvalId}: the approval stream ended before it resolved` }, true));
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
