import { GatehouseError, type ErrorCode } from '../../model/index.ts';

/** Why an approval operation was refused; the gRPC edge maps each code to a status. */
export type ApprovalErrorCode = Extract<ErrorCode, `GATEHOUSE_APPROVAL_${string}`>;

export class ApprovalError extends GatehouseError {
  declare readonly code: ApprovalErrorCode;
  constructor(code: ApprovalErrorCode, message: string) {
    super(code, message);
    this.name = 'ApprovalError';
  }
}
