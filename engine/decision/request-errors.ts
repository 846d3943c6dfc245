import { GatehouseError } from '../model/index.ts';

/**
 * Request errors the decision service reports as a gRPC status instead of a decision. All
 * mean "nothing was evaluated, consumed or recorded"; the gRPC edge maps their codes to a
 * status (grpc-status.ts).
 */

/** A malformed request (gRPC INVALID_ARGUMENT). The message starts with the field's path. */
export class InvalidRequestError extends GatehouseError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('GATEHOUSE_INVALID_REQUEST', `${field}: ${problem}`);
    this.name = 'InvalidRequestError';
  }

  /** The same problem reported under a parent path, e.g. `requests[2].` for a batch item. */
  within(prefix: string): InvalidRequestError {
    return new InvalidRequestError(`${prefix}${this.field}`, this.message.slice(this.field.length + 2));
  }
}

/** A request_id already used for a different request (gRPC FAILED_PRECONDITION). */
export class RequestIdConflictError extends GatehouseError {
  constructor(readonly requestId: string) {
    super('GATEHOUSE_REQUEST_ID_CONFLICT', 'request_id: already used for a different request; use a new request_id for a new request');
    this.name = 'RequestIdConflictError';
  }
}

/** A session asked for more than its share of the service (gRPC RESOURCE_EXHAUSTED); see fair-scheduler.ts. */
export class ResourceExhaustedError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_RESOURCE_EXHAUSTED', message);
    this.name = 'ResourceExhaustedError';
  }
}
