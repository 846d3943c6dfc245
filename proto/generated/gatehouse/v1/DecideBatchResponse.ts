// Original file: gatehouse/v1/decision.proto

import type { DecideResponse as _gatehouse_v1_DecideResponse, DecideResponse__Output as _gatehouse_v1_DecideResponse__Output } from './DecideResponse.ts';

/**
 * The answers of `DecideBatch`.
 */
export interface DecideBatchResponse {
  /**
   * One response per request, in request order.
   */
  'responses'?: (_gatehouse_v1_DecideResponse)[];
}

/**
 * The answers of `DecideBatch`.
 */
export interface DecideBatchResponse__Output {
  /**
   * One response per request, in request order.
   */
  'responses': (_gatehouse_v1_DecideResponse__Output)[];
}
