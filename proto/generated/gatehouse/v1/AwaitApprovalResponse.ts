// Original file: gatehouse/v1/approval.proto

import type { Approval as _gatehouse_v1_Approval, Approval__Output as _gatehouse_v1_Approval__Output } from './Approval.ts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.ts';

/**
 * One state of the awaited approval.
 */
export interface AwaitApprovalResponse {
  /**
   * The approval in its current state.
   */
  'approval'?: (_gatehouse_v1_Approval | null);
  /**
   * True on the last message (approved, denied or expired); the stream then ends.
   */
  'final'?: (boolean);
  /**
   * For an approved token approval, sent only to the identity that asked: the minted scoped token
   * (a bearer secret). Empty otherwise.
   */
  'token'?: (string);
  /**
   * The minted token's `jti`; empty when `token` is.
   */
  'token_id'?: (string);
  /**
   * When the minted token expires; unset when `token` is empty.
   */
  'token_expires_at'?: (_google_protobuf_Timestamp | null);
}

/**
 * One state of the awaited approval.
 */
export interface AwaitApprovalResponse__Output {
  /**
   * The approval in its current state.
   */
  'approval': (_gatehouse_v1_Approval__Output | null);
  /**
   * True on the last message (approved, denied or expired); the stream then ends.
   */
  'final': (boolean);
  /**
   * For an approved token approval, sent only to the identity that asked: the minted scoped token
   * (a bearer secret). Empty otherwise.
   */
  'token': (string);
  /**
   * The minted token's `jti`; empty when `token` is.
   */
  'token_id': (string);
  /**
   * When the minted token expires; unset when `token` is empty.
   */
  'token_expires_at': (_google_protobuf_Timestamp__Output | null);
}
