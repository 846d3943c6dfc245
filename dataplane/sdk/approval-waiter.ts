import type { GrpcDecisionClientOptions } from './grpc-decision-client.ts';
import type { ApprovalOutcome } from './data-plane-decision.ts';

// Placeholder until ApprovalService exists: refuse, which proxies treat as a denial.
export async function awaitApprovalOverGrpc(
  _options: GrpcDecisionClientOptions,
  approvalId: string,
  _token: string | undefined,
  _signal?: AbortSignal,
): Promise<ApprovalOutcome> {
  return { status: 'unavailable', approvalId, reason: 'approval service not available' };
}
