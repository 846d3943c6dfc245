import * as grpc from '@grpc/grpc-js';
import { ApprovalError } from '../control/index.ts';
import { OidcVerificationError } from '../control/index.ts';
import { StateStoreError } from '../control/index.ts';
import { ResourceRefError } from '../model/index.ts';
import { TokenRequestError } from '../control/index.ts';
import { InvalidRequestError } from '../decision/index.ts';

export function grpcError(code: grpc.status, message: string): Partial<grpc.StatusObject> {
  return { code, details: message.split('\n', 1)[0]!.slice(0, 1000) };
}

/** Maps errors to gRPC status once, at the edge; anything unexpected is INTERNAL without details. */
export function statusOf(error: unknown, onError?: (error: unknown) => void): Partial<grpc.StatusObject> {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' && 'details' in error) {
    return error as Partial<grpc.StatusObject>;
  }
  if (error instanceof OidcVerificationError) return grpcError(grpc.status.UNAUTHENTICATED, error.message);
  if (error instanceof InvalidRequestError || error instanceof TokenRequestError || error instanceof ResourceRefError) {
    return grpcError(grpc.status.INVALID_ARGUMENT, error.message);
  }
  if (error instanceof ApprovalError) {
    const code = {
      not_found: grpc.status.NOT_FOUND,
      failed_precondition: grpc.status.FAILED_PRECONDITION,
      permission_denied: grpc.status.PERMISSION_DENIED,
      invalid_argument: grpc.status.INVALID_ARGUMENT,
    }[error.status];
    return grpcError(code, error.message);
  }
  if (error instanceof StateStoreError || (error instanceof Error && 'code' in error && error.code === 'GATEHOUSE_AUDIT_UNAVAILABLE')) {
    return grpcError(grpc.status.UNAVAILABLE, (error as Error).message);
  }
  onError?.(error);
  return grpcError(grpc.status.INTERNAL, 'internal error (logged by the service)');
}

/** Adapts an async unary handler to grpc-js: its rejection becomes the call's status (statusOf). */
export function unary<Req, Res>(
  handler: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  onError?: (error: unknown) => void,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(statusOf(error, onError)),
    );
  };
}
