// Original file: gatehouse/v1/decision.proto

import type { DecideRequest as _gatehouse_v1_DecideRequest, DecideRequest__Output as _gatehouse_v1_DecideRequest__Output } from './DecideRequest.ts';

/**
 * A batch of requests for `DecideBatch`.
 */
export interface DecideBatchRequest {
  /**
   * 1 to 1000 requests. `request_id`s, when set, must be distinct within the batch.
   */
  'requests'?: (_gatehouse_v1_DecideRequest)[];
}

/**
 * A batch of requests for `DecideBatch`.
 */
export interface DecideBatchRequest__Output {
  /**
   * 1 to 1000 requests. `request_id`s, when set, must be distinct within the batch.
   */
  'requests': (_gatehouse_v1_DecideRequest__Output)[];
}
