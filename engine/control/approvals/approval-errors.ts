/** Why an approval operation was refused; the gRPC edge maps `status` to the status code. */
export type ApprovalErrorStatus = 'not_found' | 'failed_precondition' | 'permission_denied' | 'invalid_argument';

export class ApprovalError extends Error {
  constructor(
    readonly code: `GATEHOUSE_APPROVAL_${string}`,
    readonly status: ApprovalErrorStatus,
    message: string,
  ) {
    super(message);
    this.name = 'ApprovalError';
  }
}
