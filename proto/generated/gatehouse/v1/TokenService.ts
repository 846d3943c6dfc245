// Original file: gatehouse/v1/token.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetJwksRequest as _gatehouse_v1_GetJwksRequest, GetJwksRequest__Output as _gatehouse_v1_GetJwksRequest__Output } from './GetJwksRequest.ts';
import type { GetJwksResponse as _gatehouse_v1_GetJwksResponse, GetJwksResponse__Output as _gatehouse_v1_GetJwksResponse__Output } from './GetJwksResponse.ts';
import type { IntrospectTokenRequest as _gatehouse_v1_IntrospectTokenRequest, IntrospectTokenRequest__Output as _gatehouse_v1_IntrospectTokenRequest__Output } from './IntrospectTokenRequest.ts';
import type { IntrospectTokenResponse as _gatehouse_v1_IntrospectTokenResponse, IntrospectTokenResponse__Output as _gatehouse_v1_IntrospectTokenResponse__Output } from './IntrospectTokenResponse.ts';
import type { IssueTokenRequest as _gatehouse_v1_IssueTokenRequest, IssueTokenRequest__Output as _gatehouse_v1_IssueTokenRequest__Output } from './IssueTokenRequest.ts';
import type { IssueTokenResponse as _gatehouse_v1_IssueTokenResponse, IssueTokenResponse__Output as _gatehouse_v1_IssueTokenResponse__Output } from './IssueTokenResponse.ts';
import type { RevokeTokenRequest as _gatehouse_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _gatehouse_v1_RevokeTokenRequest__Output } from './RevokeTokenRequest.ts';
import type { RevokeTokenResponse as _gatehouse_v1_RevokeTokenResponse, RevokeTokenResponse__Output as _gatehouse_v1_RevokeTokenResponse__Output } from './RevokeTokenResponse.ts';

/**
 * Issues, inspects and revokes scoped tokens, and publishes the keys that verify them.
 * 
 * Status codes used by all methods:
 * * `UNAUTHENTICATED`: the caller's OIDC credential is missing or did not verify.
 * * `INVALID_ARGUMENT`: the request is malformed; the message names the field.
 * * `PERMISSION_DENIED`: policy (or ownership, for `RevokeToken`) refused; the message holds the reasons.
 * * `UNAVAILABLE`: the state store cannot be reached; nothing was issued or revoked. Retry.
 */
export interface TokenServiceClient extends grpc.Client {
  /**
   * The public keys that verify scoped tokens (Ed25519, JWK format), current and retiring ones.
   * Needs no credential.
   */
  GetJwks(argument: _gatehouse_v1_GetJwksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  GetJwks(argument: _gatehouse_v1_GetJwksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  GetJwks(argument: _gatehouse_v1_GetJwksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  GetJwks(argument: _gatehouse_v1_GetJwksRequest, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The public keys that verify scoped tokens (Ed25519, JWK format), current and retiring ones.
   * Needs no credential.
   */
  getJwks(argument: _gatehouse_v1_GetJwksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  getJwks(argument: _gatehouse_v1_GetJwksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  getJwks(argument: _gatehouse_v1_GetJwksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  getJwks(argument: _gatehouse_v1_GetJwksRequest, callback: grpc.requestCallback<_gatehouse_v1_GetJwksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Verifies a scoped token (signature, issuer, time window, revocation, uses) and returns its
   * claims. Never fails for a bad token: `active` is false and `inactive_check` says why.
   */
  IntrospectToken(argument: _gatehouse_v1_IntrospectTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  IntrospectToken(argument: _gatehouse_v1_IntrospectTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  IntrospectToken(argument: _gatehouse_v1_IntrospectTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  IntrospectToken(argument: _gatehouse_v1_IntrospectTokenRequest, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Verifies a scoped token (signature, issuer, time window, revocation, uses) and returns its
   * claims. Never fails for a bad token: `active` is false and `inactive_check` says why.
   */
  introspectToken(argument: _gatehouse_v1_IntrospectTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  introspectToken(argument: _gatehouse_v1_IntrospectTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  introspectToken(argument: _gatehouse_v1_IntrospectTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  introspectToken(argument: _gatehouse_v1_IntrospectTokenRequest, callback: grpc.requestCallback<_gatehouse_v1_IntrospectTokenResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Asks policy for a token. The decision input is: `subject` = the caller (OIDC subject and
   * groups), `action` = `token.issue`, `resource` = the requested resource, `context` =
   * `{actions, ttlSeconds, maxUses?, executor?, constraints?}` (the request's fields; absent when
   * unset), `time` = the service clock. Allow → `token` is set. Deny → `PERMISSION_DENIED` with the
   * reasons. Require approval → `approval_id` is set and `token` is empty; once a reviewer approves,
   * `ApprovalService.AwaitApproval` called by the same OIDC subject returns the token.
   */
  IssueToken(argument: _gatehouse_v1_IssueTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  IssueToken(argument: _gatehouse_v1_IssueTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  IssueToken(argument: _gatehouse_v1_IssueTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  IssueToken(argument: _gatehouse_v1_IssueTokenRequest, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Asks policy for a token. The decision input is: `subject` = the caller (OIDC subject and
   * groups), `action` = `token.issue`, `resource` = the requested resource, `context` =
   * `{actions, ttlSeconds, maxUses?, executor?, constraints?}` (the request's fields; absent when
   * unset), `time` = the service clock. Allow → `token` is set. Deny → `PERMISSION_DENIED` with the
   * reasons. Require approval → `approval_id` is set and `token` is empty; once a reviewer approves,
   * `ApprovalService.AwaitApproval` called by the same OIDC subject returns the token.
   */
  issueToken(argument: _gatehouse_v1_IssueTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  issueToken(argument: _gatehouse_v1_IssueTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  issueToken(argument: _gatehouse_v1_IssueTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  issueToken(argument: _gatehouse_v1_IssueTokenRequest, callback: grpc.requestCallback<_gatehouse_v1_IssueTokenResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Revokes one token, or every token of a subject issued up to now. The caller may revoke its own
   * tokens (it is their `sub`); revoking another subject's tokens is decided by policy as action
   * `token.revoke` on resource `{type: "Token", id: <token_id>}` or `{type: "Subject", id: <subject>}`.
   * A revocation takes effect on every replica at once. Revoking twice is not an error.
   */
  RevokeToken(argument: _gatehouse_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _gatehouse_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _gatehouse_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _gatehouse_v1_RevokeTokenRequest, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Revokes one token, or every token of a subject issued up to now. The caller may revoke its own
   * tokens (it is their `sub`); revoking another subject's tokens is decided by policy as action
   * `token.revoke` on resource `{type: "Token", id: <token_id>}` or `{type: "Subject", id: <subject>}`.
   * A revocation takes effect on every replica at once. Revoking twice is not an error.
   */
  revokeToken(argument: _gatehouse_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _gatehouse_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _gatehouse_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _gatehouse_v1_RevokeTokenRequest, callback: grpc.requestCallback<_gatehouse_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Issues, inspects and revokes scoped tokens, and publishes the keys that verify them.
 * 
 * Status codes used by all methods:
 * * `UNAUTHENTICATED`: the caller's OIDC credential is missing or did not verify.
 * * `INVALID_ARGUMENT`: the request is malformed; the message names the field.
 * * `PERMISSION_DENIED`: policy (or ownership, for `RevokeToken`) refused; the message holds the reasons.
 * * `UNAVAILABLE`: the state store cannot be reached; nothing was issued or revoked. Retry.
 */
export interface TokenServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The public keys that verify scoped tokens (Ed25519, JWK format), current and retiring ones.
   * Needs no credential.
   */
  GetJwks: grpc.handleUnaryCall<_gatehouse_v1_GetJwksRequest__Output, _gatehouse_v1_GetJwksResponse>;
  
  /**
   * Verifies a scoped token (signature, issuer, time window, revocation, uses) and returns its
   * claims. Never fails for a bad token: `active` is false and `inactive_check` says why.
   */
  IntrospectToken: grpc.handleUnaryCall<_gatehouse_v1_IntrospectTokenRequest__Output, _gatehouse_v1_IntrospectTokenResponse>;
  
  /**
   * Asks policy for a token. The decision input is: `subject` = the caller (OIDC subject and
   * groups), `action` = `token.issue`, `resource` = the requested resource, `context` =
   * `{actions, ttlSeconds, maxUses?, executor?, constraints?}` (the request's fields; absent when
   * unset), `time` = the service clock. Allow → `token` is set. Deny → `PERMISSION_DENIED` with the
   * reasons. Require approval → `approval_id` is set and `token` is empty; once a reviewer approves,
   * `ApprovalService.AwaitApproval` called by the same OIDC subject returns the token.
   */
  IssueToken: grpc.handleUnaryCall<_gatehouse_v1_IssueTokenRequest__Output, _gatehouse_v1_IssueTokenResponse>;
  
  /**
   * Revokes one token, or every token of a subject issued up to now. The caller may revoke its own
   * tokens (it is their `sub`); revoking another subject's tokens is decided by policy as action
   * `token.revoke` on resource `{type: "Token", id: <token_id>}` or `{type: "Subject", id: <subject>}`.
   * A revocation takes effect on every replica at once. Revoking twice is not an error.
   */
  RevokeToken: grpc.handleUnaryCall<_gatehouse_v1_RevokeTokenRequest__Output, _gatehouse_v1_RevokeTokenResponse>;
  
}

export interface TokenServiceDefinition extends grpc.ServiceDefinition {
  GetJwks: MethodDefinition<_gatehouse_v1_GetJwksRequest, _gatehouse_v1_GetJwksResponse, _gatehouse_v1_GetJwksRequest__Output, _gatehouse_v1_GetJwksResponse__Output>
  IntrospectToken: MethodDefinition<_gatehouse_v1_IntrospectTokenRequest, _gatehouse_v1_IntrospectTokenResponse, _gatehouse_v1_IntrospectTokenRequest__Output, _gatehouse_v1_IntrospectTokenResponse__Output>
  IssueToken: MethodDefinition<_gatehouse_v1_IssueTokenRequest, _gatehouse_v1_IssueTokenResponse, _gatehouse_v1_IssueTokenRequest__Output, _gatehouse_v1_IssueTokenResponse__Output>
  RevokeToken: MethodDefinition<_gatehouse_v1_RevokeTokenRequest, _gatehouse_v1_RevokeTokenResponse, _gatehouse_v1_RevokeTokenRequest__Output, _gatehouse_v1_RevokeTokenResponse__Output>
}
