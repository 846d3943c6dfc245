// Original file: gatehouse/v1/decision.proto

import type { DecideResponse as _gatehouse_v1_DecideResponse, DecideResponse__Output as _gatehouse_v1_DecideResponse__Output } from './DecideResponse.ts';
import type { DecideStreamError as _gatehouse_v1_DecideStreamError, DecideStreamError__Output as _gatehouse_v1_DecideStreamError__Output } from './DecideStreamError.ts';

/**
 * One message on `DecideStream` from the service.
 */
export interface DecideStreamResponse {
  /**
   * The `request_id` of the request this answers. Empty only for an error about a request
   * whose `request_id` was missing or malformed.
   */
  'request_id'?: (string);
  /**
   * The decision.
   */
  'response'?: (_gatehouse_v1_DecideResponse | null);
  /**
   * The request could not be decided; treat as deny.
   */
  'error'?: (_gatehouse_v1_DecideStreamError | null);
  /**
   * Exactly one is set.
   */
  'result'?: "response"|"error";
}

/**
 * One message on `DecideStream` from the service.
 */
export interface DecideStreamResponse__Output {
  /**
   * The `request_id` of the request this answers. Empty only for an error about a request
   * whose `request_id` was missing or malformed.
   */
  'request_id': (string);
  /**
   * The decision.
   */
  'response'?: (_gatehouse_v1_DecideResponse__Output | null);
  /**
   * The request could not be decided; treat as deny.
   */
  'error'?: (_gatehouse_v1_DecideStreamError__Output | null);
  /**
   * Exactly one is set.
   */
  'result'?: "response"|"error";
}
