// Original file: gatehouse/v1/audit.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

/**
 * `gatehouse.session.v1`: what a proxy saw in a session (connect, each command, output, end).
 */
export interface SessionEventData {
  /**
   * "start", "command", "input", "output" or "end".
   */
  'kind'?: (string);
  'session_id'?: (string);
  /**
   * "postgres" or "ssh" (or a custom data plane's name).
   */
  'proxy'?: (string);
  /**
   * `Type:id` of the resource the session is on.
   */
  'resource'?: (string);
  /**
   * The command (redacted) or the terminal text for "input"/"output"; masked columns are masked.
   */
  'text'?: (string);
  /**
   * The decision that allowed the command, for "command".
   */
  'decision_id'?: (string);
  /**
   * Terminal size for "start" (asciicast export).
   */
  'width'?: (number);
  'height'?: (number);
  /**
   * Anything else the proxy records (row counts, exit status, bytes).
   */
  'details'?: (_google_protobuf_Struct | null);
}

/**
 * `gatehouse.session.v1`: what a proxy saw in a session (connect, each command, output, end).
 */
export interface SessionEventData__Output {
  /**
   * "start", "command", "input", "output" or "end".
   */
  'kind': (string);
  'session_id': (string);
  /**
   * "postgres" or "ssh" (or a custom data plane's name).
   */
  'proxy': (string);
  /**
   * `Type:id` of the resource the session is on.
   */
  'resource': (string);
  /**
   * The command (redacted) or the terminal text for "input"/"output"; masked columns are masked.
   */
  'text': (string);
  /**
   * The decision that allowed the command, for "command".
   */
  'decision_id': (string);
  /**
   * Terminal size for "start" (asciicast export).
   */
  'width': (number);
  'height': (number);
  /**
   * Anything else the proxy records (row counts, exit status, bytes).
   */
  'details': (_google_protobuf_Struct__Output | null);
}
