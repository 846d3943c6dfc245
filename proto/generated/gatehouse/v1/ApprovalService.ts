// Original file: gatehouse/v1/approval.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApproveRequest as _gatehouse_v1_ApproveRequest, ApproveRequest__Output as _gatehouse_v1_ApproveRequest__Output } from './ApproveRequest.ts';
import type { ApproveResponse as _gatehouse_v1_ApproveResponse, ApproveResponse__Output as _gatehouse_v1_ApproveResponse__Output } from './ApproveResponse.ts';
import type { AwaitApprovalRequest as _gatehouse_v1_AwaitApprovalRequest, AwaitApprovalRequest__Output as _gatehouse_v1_AwaitApprovalRequest__Output } from './AwaitApprovalRequest.ts';
import type { AwaitApprovalResponse as _gatehouse_v1_AwaitApprovalResponse, AwaitApprovalResponse__Output as _gatehouse_v1_AwaitApprovalResponse__Output } from './AwaitApprovalResponse.ts';
import type { DenyRequest as _gatehouse_v1_DenyRequest, DenyRequest__Output as _gatehouse_v1_DenyRequest__Output } from './DenyRequest.ts';
import type { DenyResponse as _gatehouse_v1_DenyResponse, DenyResponse__Output as _gatehouse_v1_DenyResponse__Output } from './DenyResponse.ts';
import type { GetApprovalRequest as _gatehouse_v1_GetApprovalRequest, GetApprovalRequest__Output as _gatehouse_v1_GetApprovalRequest__Output } from './GetApprovalRequest.ts';
import type { GetApprovalResponse as _gatehouse_v1_GetApprovalResponse, GetApprovalResponse__Output as _gatehouse_v1_GetApprovalResponse__Output } from './GetApprovalResponse.ts';
import type { ListApprovalsRequest as _gatehouse_v1_ListApprovalsRequest, ListApprovalsRequest__Output as _gatehouse_v1_ListApprovalsRequest__Output } from './ListApprovalsRequest.ts';
import type { ListApprovalsResponse as _gatehouse_v1_ListApprovalsResponse, ListApprovalsResponse__Output as _gatehouse_v1_ListApprovalsResponse__Output } from './ListApprovalsResponse.ts';

/**
 * Lists, reviews and awaits approvals.
 * 
 * Status codes used by all methods:
 * * `UNAUTHENTICATED`: the caller's OIDC credential is missing or did not verify.
 * * `NOT_FOUND`: no approval has that id.
 * * `PERMISSION_DENIED`: policy does not allow the caller `approval.review`, or the caller is the
 * approval's subject or executor (nobody reviews their own request).
 * * `FAILED_PRECONDITION`: the approval is no longer pending, or its token failed the check at release.
 * * `INVALID_ARGUMENT`: a malformed field, named in the message.
 */
export interface ApprovalServiceClient extends grpc.Client {
  /**
   * Approves a pending approval. Policy decides `approval.review` with `subject` = the reviewer,
   * `resource` = `{type: "Approval", id, attributes: {action, resource, subject, executor}}` and
   * `context` = `{verdict: "approve", windowSeconds, comment?}`. The token the held request carried
   * is checked again (expiry, revocation, uses): when it fails, the approval is resolved as denied
   * and the call fails with `FAILED_PRECONDITION` naming the check.
   */
  Approve(argument: _gatehouse_v1_ApproveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  Approve(argument: _gatehouse_v1_ApproveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  Approve(argument: _gatehouse_v1_ApproveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  Approve(argument: _gatehouse_v1_ApproveRequest, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Approves a pending approval. Policy decides `approval.review` with `subject` = the reviewer,
   * `resource` = `{type: "Approval", id, attributes: {action, resource, subject, executor}}` and
   * `context` = `{verdict: "approve", windowSeconds, comment?}`. The token the held request carried
   * is checked again (expiry, revocation, uses): when it fails, the approval is resolved as denied
   * and the call fails with `FAILED_PRECONDITION` naming the check.
   */
  approve(argument: _gatehouse_v1_ApproveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  approve(argument: _gatehouse_v1_ApproveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  approve(argument: _gatehouse_v1_ApproveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  approve(argument: _gatehouse_v1_ApproveRequest, callback: grpc.requestCallback<_gatehouse_v1_ApproveResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams the approval's state: first the current state, then each change, ending with the
   * final state (approved, denied, expired), after which the stream ends with `OK`. Changes made on
   * any replica sharing the state store are seen at once. For a token approval that is approved,
   * the final message carries the minted token, but only when the caller is the identity that asked
   * for it (`requested_by`). Authorized as GetApproval when the call carries a credential;
   * without one, only with the approval's capability (else PERMISSION_DENIED, whether or not the
   * approval exists).
   */
  AwaitApproval(argument: _gatehouse_v1_AwaitApprovalRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_gatehouse_v1_AwaitApprovalResponse__Output>;
  AwaitApproval(argument: _gatehouse_v1_AwaitApprovalRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_gatehouse_v1_AwaitApprovalResponse__Output>;
  /**
   * Streams the approval's state: first the current state, then each change, ending with the
   * final state (approved, denied, expired), after which the stream ends with `OK`. Changes made on
   * any replica sharing the state store are seen at once. For a token approval that is approved,
   * the final message carries the minted token, but only when the caller is the identity that asked
   * for it (`requested_by`). Authorized as GetApproval when the call carries a credential;
   * without one, only with the approval's capability (else PERMISSION_DENIED, whether or not the
   * approval exists).
   */
  awaitApproval(argument: _gatehouse_v1_AwaitApprovalRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_gatehouse_v1_AwaitApprovalResponse__Output>;
  awaitApproval(argument: _gatehouse_v1_AwaitApprovalRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_gatehouse_v1_AwaitApprovalResponse__Output>;
  
  /**
   * Denies a pending approval; authorized as `Approve` with `verdict: "deny"`.
   */
  Deny(argument: _gatehouse_v1_DenyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  Deny(argument: _gatehouse_v1_DenyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  Deny(argument: _gatehouse_v1_DenyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  Deny(argument: _gatehouse_v1_DenyRequest, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Denies a pending approval; authorized as `Approve` with `verdict: "deny"`.
   */
  deny(argument: _gatehouse_v1_DenyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  deny(argument: _gatehouse_v1_DenyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  deny(argument: _gatehouse_v1_DenyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  deny(argument: _gatehouse_v1_DenyRequest, callback: grpc.requestCallback<_gatehouse_v1_DenyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One approval, with the raw text the reviewer is asked about. Visible as for `ListApprovals`;
   * an approval the caller may not see is `NOT_FOUND` (its existence is not revealed).
   */
  GetApproval(argument: _gatehouse_v1_GetApprovalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  GetApproval(argument: _gatehouse_v1_GetApprovalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  GetApproval(argument: _gatehouse_v1_GetApprovalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  GetApproval(argument: _gatehouse_v1_GetApprovalRequest, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One approval, with the raw text the reviewer is asked about. Visible as for `ListApprovals`;
   * an approval the caller may not see is `NOT_FOUND` (its existence is not revealed).
   */
  getApproval(argument: _gatehouse_v1_GetApprovalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  getApproval(argument: _gatehouse_v1_GetApprovalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  getApproval(argument: _gatehouse_v1_GetApprovalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  getApproval(argument: _gatehouse_v1_GetApprovalRequest, callback: grpc.requestCallback<_gatehouse_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Approvals the caller may see, newest first: those where the caller is the subject, executor
   * or `requested_by`, and those policy allows the caller to review (`approval.review` with
   * `context.verdict` = `"view"`, resource as for `Approve`).
   */
  ListApprovals(argument: _gatehouse_v1_ListApprovalsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  ListApprovals(argument: _gatehouse_v1_ListApprovalsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  ListApprovals(argument: _gatehouse_v1_ListApprovalsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  ListApprovals(argument: _gatehouse_v1_ListApprovalsRequest, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Approvals the caller may see, newest first: those where the caller is the subject, executor
   * or `requested_by`, and those policy allows the caller to review (`approval.review` with
   * `context.verdict` = `"view"`, resource as for `Approve`).
   */
  listApprovals(argument: _gatehouse_v1_ListApprovalsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  listApprovals(argument: _gatehouse_v1_ListApprovalsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  listApprovals(argument: _gatehouse_v1_ListApprovalsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  listApprovals(argument: _gatehouse_v1_ListApprovalsRequest, callback: grpc.requestCallback<_gatehouse_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Lists, reviews and awaits approvals.
 * 
 * Status codes used by all methods:
 * * `UNAUTHENTICATED`: the caller's OIDC credential is missing or did not verify.
 * * `NOT_FOUND`: no approval has that id.
 * * `PERMISSION_DENIED`: policy does not allow the caller `approval.review`, or the caller is the
 * approval's subject or executor (nobody reviews their own request).
 * * `FAILED_PRECONDITION`: the approval is no longer pending, or its token failed the check at release.
 * * `INVALID_ARGUMENT`: a malformed field, named in the message.
 */
export interface ApprovalServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Approves a pending approval. Policy decides `approval.review` with `subject` = the reviewer,
   * `resource` = `{type: "Approval", id, attributes: {action, resource, subject, executor}}` and
   * `context` = `{verdict: "approve", windowSeconds, comment?}`. The token the held request carried
   * is checked again (expiry, revocation, uses): when it fails, the approval is resolved as denied
   * and the call fails with `FAILED_PRECONDITION` naming the check.
   */
  Approve: grpc.handleUnaryCall<_gatehouse_v1_ApproveRequest__Output, _gatehouse_v1_ApproveResponse>;
  
  /**
   * Streams the approval's state: first the current state, then each change, ending with the
   * final state (approved, denied, expired), after which the stream ends with `OK`. Changes made on
   * any replica sharing the state store are seen at once. For a token approval that is approved,
   * the final message carries the minted token, but only when the caller is the identity that asked
   * for it (`requested_by`). Authorized as GetApproval when the call carries a credential;
   * without one, only with the approval's capability (else PERMISSION_DENIED, whether or not the
   * approval exists).
   */
  AwaitApproval: grpc.handleServerStreamingCall<_gatehouse_v1_AwaitApprovalRequest__Output, _gatehouse_v1_AwaitApprovalResponse>;
  
  /**
   * Denies a pending approval; authorized as `Approve` with `verdict: "deny"`.
   */
  Deny: grpc.handleUnaryCall<_gatehouse_v1_DenyRequest__Output, _gatehouse_v1_DenyResponse>;
  
  /**
   * One approval, with the raw text the reviewer is asked about. Visible as for `ListApprovals`;
   * an approval the caller may not see is `NOT_FOUND` (its existence is not revealed).
   */
  GetApproval: grpc.handleUnaryCall<_gatehouse_v1_GetApprovalRequest__Output, _gatehouse_v1_GetApprovalResponse>;
  
  /**
   * Approvals the caller may see, newest first: those where the caller is the subject, executor
   * or `requested_by`, and those policy allows the caller to review (`approval.review` with
   * `context.verdict` = `"view"`, resource as for `Approve`).
   */
  ListApprovals: grpc.handleUnaryCall<_gatehouse_v1_ListApprovalsRequest__Output, _gatehouse_v1_ListApprovalsResponse>;
  
}

export interface ApprovalServiceDefinition extends grpc.ServiceDefinition {
  Approve: MethodDefinition<_gatehouse_v1_ApproveRequest, _gatehouse_v1_ApproveResponse, _gatehouse_v1_ApproveRequest__Output, _gatehouse_v1_ApproveResponse__Output>
  AwaitApproval: MethodDefinition<_gatehouse_v1_AwaitApprovalRequest, _gatehouse_v1_AwaitApprovalResponse, _gatehouse_v1_AwaitApprovalRequest__Output, _gatehouse_v1_AwaitApprovalResponse__Output>
  Deny: MethodDefinition<_gatehouse_v1_DenyRequest, _gatehouse_v1_DenyResponse, _gatehouse_v1_DenyRequest__Output, _gatehouse_v1_DenyResponse__Output>
  GetApproval: MethodDefinition<_gatehouse_v1_GetApprovalRequest, _gatehouse_v1_GetApprovalResponse, _gatehouse_v1_GetApprovalRequest__Output, _gatehouse_v1_GetApprovalResponse__Output>
  ListApprovals: MethodDefinition<_gatehouse_v1_ListApprovalsRequest, _gatehouse_v1_ListApprovalsResponse, _gatehouse_v1_ListApprovalsRequest__Output, _gatehouse_v1_ListApprovalsResponse__Output>
}
