/**
 * Request errors the decision service reports as a gRPC status instead of a decision. Both
 * mean "nothing was evaluated, consumed or recorded"; the gRPC edge maps `grpcCode` once.
 */

/** A malformed request (gRPC INVALID_ARGUMENT). The message starts with the field's path. */
export class InvalidRequestError extends Error {
  readonly code = 'GATEHOUSE_INVALID_REQUEST';
  readonly grpcCode = 3;
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'InvalidRequestError';
  }

  /** The same problem reported under a parent path, e.g. `requests[2].` for a batch item. */
  within(prefix: string): InvalidRequestError {
    return new InvalidRequestError(`${prefix}${this.field}`, this.message.slice(this.field.length + 2));
  }
}

/** A request_id already used for a different request (gRPC FAILED_PRECONDITION). */
export class RequestIdConflictError extends Error {
  readonly code = 'GATEHOUSE_REQUEST_ID_CONFLICT';
  readonly grpcCode = 9;
  constructor(readonly requestId: string) {
    super('request_id: already used for a different request; use a new request_id for a new request');
    this.name = 'RequestIdConflictError';
  }
}

/** A session asked for more than its share of the service (gRPC RESOURCE_EXHAUSTED); see fair-scheduler.ts. */
export class ResourceExhaustedError extends Error {
  readonly code = 'GATEHOUSE_RESOURCE_EXHAUSTED';
  readonly grpcCode = 8;
  constructor(message: string) {
    super(message);
    this.name = 'ResourceExhaustedError';
  }
}

export type RequestError = InvalidRequestError | RequestIdConflictError | ResourceExhaustedError;

export function isRequestError(error: unknown): error is RequestError {
  return error instanceof InvalidRequestError || error instanceof RequestIdConflictError || error instanceof ResourceExhaustedError;
}
