// Original file: gatehouse/v1/audit.proto


/**
 * The resource a session is on.
 */
export interface SessionResource {
  /**
   * The Cedar entity type, e.g. `Database`.
   */
  'type'?: (string);
  'id'?: (string);
}

/**
 * The resource a session is on.
 */
export interface SessionResource__Output {
  /**
   * The Cedar entity type, e.g. `Database`.
   */
  'type': (string);
  'id': (string);
}
