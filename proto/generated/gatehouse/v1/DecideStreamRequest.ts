// Original file: gatehouse/v1/decision.proto

import type { DecideRequest as _gatehouse_v1_DecideRequest, DecideRequest__Output as _gatehouse_v1_DecideRequest__Output } from './DecideRequest.ts';

/**
 * One message on `DecideStream` from the data plane.
 */
export interface DecideStreamRequest {
  /**
   * Required. The request; its `request_id` is required and matches the answer to it.
   */
  'request'?: (_gatehouse_v1_DecideRequest | null);
}

/**
 * One message on `DecideStream` from the data plane.
 */
export interface DecideStreamRequest__Output {
  /**
   * Required. The request; its `request_id` is required and matches the answer to it.
   */
  'request': (_gatehouse_v1_DecideRequest__Output | null);
}
