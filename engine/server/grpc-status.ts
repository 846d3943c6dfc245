import * as grpc from '@grpc/grpc-js';
import { GatehouseError, type ErrorCode } from '../model/index.ts';

/**
 * The gRPC status of every error code: the one place errors become statuses. A code mapped to
 * INTERNAL is a failure the caller cannot act on: it is logged (onInternal) and answered without
 * its message, like any error that is not a GatehouseError (a bug). Every code has an entry, so
 * a new code does not compile until someone decides what a caller sees.
 */
export const GRPC_STATUS: Readonly<Record<ErrorCode, grpc.status>> = {
  GATEHOUSE_INVALID_REQUEST: grpc.status.INVALID_ARGUMENT,
  GATEHOUSE_REQUEST_ID_CONFLICT: grpc.status.FAILED_PRECONDITION,
  GATEHOUSE_RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  GATEHOUSE_OIDC_INVALID: grpc.status.UNAUTHENTICATED,

  GATEHOUSE_TOKEN_REQUEST: grpc.status.INVALID_ARGUMENT,
  GATEHOUSE_TOKEN_CONSTRAINT: grpc.status.INVALID_ARGUMENT,
  GATEHOUSE_RESOURCE_REF: grpc.status.INVALID_ARGUMENT,
  GATEHOUSE_TOKEN_DENIED: grpc.status.PERMISSION_DENIED,
  GATEHOUSE_TOKEN_NOT_FOUND: grpc.status.NOT_FOUND,
  GATEHOUSE_KEK: grpc.status.INTERNAL,

  GATEHOUSE_APPROVAL_NOT_FOUND: grpc.status.NOT_FOUND,
  GATEHOUSE_APPROVAL_CAPABILITY: grpc.status.PERMISSION_DENIED,
  GATEHOUSE_APPROVAL_FORBIDDEN: grpc.status.PERMISSION_DENIED,
  GATEHOUSE_APPROVAL_SELF: grpc.status.PERMISSION_DENIED,
  GATEHOUSE_APPROVAL_RESOLVED: grpc.status.FAILED_PRECONDITION,
  GATEHOUSE_APPROVAL_TOKEN_INVALID: grpc.status.FAILED_PRECONDITION,
  GATEHOUSE_APPROVAL_NO_ISSUER: grpc.status.FAILED_PRECONDITION,
  GATEHOUSE_APPROVAL_REQUEST_ID_REUSED: grpc.status.FAILED_PRECONDITION,
  GATEHOUSE_APPROVAL_WINDOW: grpc.status.INVALID_ARGUMENT,

  GATEHOUSE_STATE_UNAVAILABLE: grpc.status.UNAVAILABLE,
  GATEHOUSE_AUDIT_UNAVAILABLE: grpc.status.UNAVAILABLE,
  GATEHOUSE_AUDIT_CONFIG: grpc.status.INTERNAL,

  // Policies, processes and data planes: never the answer to a call (a decision that meets
  // one of these is a deny with a reason); if one reaches the edge it is a bug.
  GATEHOUSE_BUNDLE: grpc.status.INTERNAL,
  GATEHOUSE_DECISION_TEST: grpc.status.INTERNAL,
  GATEHOUSE_REGO_COMPILE: grpc.status.INTERNAL,
  GATEHOUSE_REGO_LOAD: grpc.status.INTERNAL,
  GATEHOUSE_REGO_BUILTIN: grpc.status.INTERNAL,
  GATEHOUSE_REGO_TEST: grpc.status.INTERNAL,
  GATEHOUSE_CEDAR_POLICY: grpc.status.INTERNAL,
  GATEHOUSE_CEDAR_VALUE: grpc.status.INTERNAL,
  GATEHOUSE_TOOLCHAIN: grpc.status.INTERNAL,
  GATEHOUSE_FACTS_NOT_INITIALIZED: grpc.status.INTERNAL,
  GATEHOUSE_SERVICE_START: grpc.status.INTERNAL,
  GATEHOUSE_EVALUATION_WORKER: grpc.status.INTERNAL,
  GATEHOUSE_PG_PROTOCOL: grpc.status.INTERNAL,
  GATEHOUSE_PG_STARTUP: grpc.status.INTERNAL,
  GATEHOUSE_PG_UPSTREAM: grpc.status.INTERNAL,
  GATEHOUSE_PG_UPSTREAM_AUTH: grpc.status.INTERNAL,
  GATEHOUSE_PG_PRIVILEGED_UPSTREAM: grpc.status.INTERNAL,
  GATEHOUSE_PG_SESSION_SETTINGS: grpc.status.INTERNAL,
  GATEHOUSE_SSH_PROXY: grpc.status.INTERNAL,
  GATEHOUSE_SSH_UPSTREAM: grpc.status.INTERNAL,
  GATEHOUSE_MCP_CONFIG: grpc.status.INTERNAL,
  GATEHOUSE_USAGE: grpc.status.INTERNAL,
  GATEHOUSE_POLICY_LOAD: grpc.status.INTERNAL,
  GATEHOUSE_COMMAND_FAILED: grpc.status.INTERNAL,
  GATEHOUSE_INTERNAL: grpc.status.INTERNAL,
};

/** What a service answers for an INTERNAL error (the details stay in its log). */
export const INTERNAL_DETAILS = 'internal error (logged by the service)';

export interface StatusOptions {
  /** Called with every error answered INTERNAL, for the log. */
  onInternal?: (error: unknown) => void;
  /** The details of an INTERNAL answer (DecisionService says "treat as deny"). */
  internalDetails?: string;
}

/** The gRPC status of an error: its code's status and its one-line message, or INTERNAL without details. */
export function statusOf(error: unknown, options: StatusOptions = {}): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  const code = error instanceof GatehouseError ? GRPC_STATUS[error.code] : grpc.status.INTERNAL;
  if (code === grpc.status.INTERNAL) {
    options.onInternal?.(error);
    return { code, details: options.internalDetails ?? INTERNAL_DETAILS };
  }
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA, (error as GatehouseError).code);
  return { code, details: (error as GatehouseError).message.slice(0, 1000), metadata };
}

/**
 * Trailing metadata that carries the stable error code of a refusal, so a client (the CLI) can
 * report it by code; statuses alone are too coarse (many codes share INVALID_ARGUMENT).
 */
export const ERROR_CODE_METADATA = 'gatehouse-error-code';

/** Adapts an async unary handler to grpc-js: its rejection becomes the call's status (statusOf). */
export function unary<Req, Res>(
  handler: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  onError?: (error: unknown) => void,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(statusOf(error, onError ? { onInternal: onError } : {})),
    );
  };
}
