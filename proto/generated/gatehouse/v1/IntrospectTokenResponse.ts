// Original file: gatehouse/v1/token.proto

import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from './Resource.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.ts';

/**
 * What the service knows about a token.
 */
export interface IntrospectTokenResponse {
  /**
   * True when the token verifies and is currently usable: signature, issuer, time window, not
   * revoked, uses left. Everything below is filled only when the signature verified.
   */
  'active'?: (boolean);
  /**
   * When `active` is false: the failed check (`format`, `algorithm`, `signature`, `issuer`,
   * `expired`, `not_yet_valid`, `revoked`, `uses`, `claims`); empty when active.
   */
  'inactive_check'?: (string);
  /**
   * When `active` is false: a one-line explanation.
   */
  'inactive_reason'?: (string);
  /**
   * The token's `jti`.
   */
  'token_id'?: (string);
  /**
   * The planner the token was issued to (`sub`).
   */
  'subject'?: (string);
  /**
   * The executor (`act.sub`); empty when none was named.
   */
  'executor'?: (string);
  /**
   * The actions in scope.
   */
  'actions'?: (string)[];
  /**
   * The resource the token is for (`aud`); attributes are never set.
   */
  'resource'?: (_gatehouse_v1_Resource | null);
  /**
   * The constraints (see `IssueTokenRequest.constraints`); `{}` when none.
   */
  'constraints'?: (_google_protobuf_Struct | null);
  /**
   * The planner's groups frozen into the token at issue.
   */
  'groups'?: (string)[];
  /**
   * The use limit; 0 means none.
   */
  'max_uses'?: (number);
  /**
   * Uses consumed so far (all replicas).
   */
  'uses'?: (number);
  /**
   * `iat`.
   */
  'issued_at'?: (_google_protobuf_Timestamp | null);
  /**
   * `exp`.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
}

/**
 * What the service knows about a token.
 */
export interface IntrospectTokenResponse__Output {
  /**
   * True when the token verifies and is currently usable: signature, issuer, time window, not
   * revoked, uses left. Everything below is filled only when the signature verified.
   */
  'active': (boolean);
  /**
   * When `active` is false: the failed check (`format`, `algorithm`, `signature`, `issuer`,
   * `expired`, `not_yet_valid`, `revoked`, `uses`, `claims`); empty when active.
   */
  'inactive_check': (string);
  /**
   * When `active` is false: a one-line explanation.
   */
  'inactive_reason': (string);
  /**
   * The token's `jti`.
   */
  'token_id': (string);
  /**
   * The planner the token was issued to (`sub`).
   */
  'subject': (string);
  /**
   * The executor (`act.sub`); empty when none was named.
   */
  'executor': (string);
  /**
   * The actions in scope.
   */
  'actions': (string)[];
  /**
   * The resource the token is for (`aud`); attributes are never set.
   */
  'resource': (_gatehouse_v1_Resource__Output | null);
  /**
   * The constraints (see `IssueTokenRequest.constraints`); `{}` when none.
   */
  'constraints': (_google_protobuf_Struct__Output | null);
  /**
   * The planner's groups frozen into the token at issue.
   */
  'groups': (string)[];
  /**
   * The use limit; 0 means none.
   */
  'max_uses': (number);
  /**
   * Uses consumed so far (all replicas).
   */
  'uses': (number);
  /**
   * `iat`.
   */
  'issued_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * `exp`.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
}
