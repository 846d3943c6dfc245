// Original file: gatehouse/v1/decision.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

/**
 * Who acts. Ignored when `DecideRequest.token` is set: the service then takes the subject from the
 * verified token (the planner the token was issued to, with the groups frozen into it at issue).
 */
export interface Subject {
  /**
   * Required when no token is sent. The principal's identifier, 1 to 512 characters, no control
   * characters. Cedar sees it as `<type>::"<id>"`.
   */
  'id'?: (string);
  /**
   * Cedar entity type of the principal, e.g. `User` or `Service`. Optional; empty means `User`.
   * When set it must be a Cedar entity type name: identifiers separated by `::`
   * (`[A-Za-z_][A-Za-z0-9_]*`), at most 128 characters.
   */
  'type'?: (string);
  /**
   * Groups the subject belongs to. Cedar sees each as a parent entity `Group::"<group>"`. At most
   * 256 entries of 1 to 256 characters each; an empty list means no groups.
   */
  'groups'?: (string)[];
  /**
   * Further claims about the subject, passed to Rego as `input.subject.claims` and to Cedar as
   * attributes of the principal. Optional; absent means `{}`. Numbers must be finite.
   */
  'claims'?: (_google_protobuf_Struct | null);
}

/**
 * Who acts. Ignored when `DecideRequest.token` is set: the service then takes the subject from the
 * verified token (the planner the token was issued to, with the groups frozen into it at issue).
 */
export interface Subject__Output {
  /**
   * Required when no token is sent. The principal's identifier, 1 to 512 characters, no control
   * characters. Cedar sees it as `<type>::"<id>"`.
   */
  'id': (string);
  /**
   * Cedar entity type of the principal, e.g. `User` or `Service`. Optional; empty means `User`.
   * When set it must be a Cedar entity type name: identifiers separated by `::`
   * (`[A-Za-z_][A-Za-z0-9_]*`), at most 128 characters.
   */
  'type': (string);
  /**
   * Groups the subject belongs to. Cedar sees each as a parent entity `Group::"<group>"`. At most
   * 256 entries of 1 to 256 characters each; an empty list means no groups.
   */
  'groups': (string)[];
  /**
   * Further claims about the subject, passed to Rego as `input.subject.claims` and to Cedar as
   * attributes of the principal. Optional; absent means `{}`. Numbers must be finite.
   */
  'claims': (_google_protobuf_Struct__Output | null);
}
