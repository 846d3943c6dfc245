// Original file: gatehouse/v1/audit.proto

import type { SessionResource as _gatehouse_v1_SessionResource, SessionResource__Output as _gatehouse_v1_SessionResource__Output } from '../../gatehouse/v1/SessionResource.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * `gatehouse.session.v1`: what a data plane saw in a session, one event per step, each with the
 * session's `sequence` so a reader can put them in order and see a gap. The PostgreSQL proxy
 * names the step in `event` (`start`, `statement`, `end`); the SSH and MCP proxies in `kind`
 * (SSH: `start`, `pty`, `command`, `input`, `output`, `resize`, `exit`, `end`; MCP: `start`,
 * `call`, `end`). Fields that do not apply to a step are absent.
 */
export interface SessionEventData {
  /**
   * The step, for the SSH and MCP proxies (see above).
   */
  'kind'?: (string);
  'session_id'?: (string);
  /**
   * Reserved for a custom data plane's name; the Gatehouse proxies write `protocol`.
   */
  'proxy'?: (string);
  /**
   * The resource the session is on (PostgreSQL, SSH). Always an object in the JSON: the
   * `Type:id` string this field was once documented as was never written.
   */
  'resource'?: (_gatehouse_v1_SessionResource | null);
  /**
   * The statement or command (redacted), or the terminal text of an "input"/"output" frame
   * (for "resize", `<cols>x<rows>`); masked columns are masked.
   */
  'text'?: (string);
  /**
   * The decision that allowed or denied the statement, command or call.
   */
  'decision_id'?: (string);
  /**
   * Terminal size, for SSH "start" (80x24, for asciicast export) and "pty".
   */
  'width'?: (number);
  'height'?: (number);
  /**
   * Anything else a custom data plane records.
   */
  'details'?: (_google_protobuf_Struct | null);
  /**
   * "postgres", "ssh" or "mcp".
   */
  'protocol'?: (string);
  /**
   * Position in the session: 1, 2, ... (PostgreSQL counts statements: 0 for "start").
   */
  'sequence'?: (number | string | Long);
  /**
   * The step, for the PostgreSQL proxy: "start", "statement" or "end".
   */
  'event'?: (string);
  /**
   * SSH: seconds since the session started (microsecond precision), for asciicast export.
   */
  't'?: (number | string);
  /**
   * SSH: the channel the frame, command or exit is on.
   */
  'channel'?: (number);
  /**
   * SSH "command": "exec" or "shell".
   */
  'mode'?: (string);
  /**
   * The decision's effect: "allow", "deny" or "require_approval".
   */
  'effect'?: (string);
  /**
   * The decision's reasons (redacted).
   */
  'reasons'?: (string)[];
  /**
   * Revision of the bundle that decided.
   */
  'policy_revision'?: (string);
  /**
   * What happened: PostgreSQL "ok", "error", "denied"; SSH "run", "denied",
   * "approval-refused"; MCP also "upstream-error", "mask-failed", "tool-error".
   */
  'outcome'?: (string);
  /**
   * The approval the step waited for or was allowed by.
   */
  'approval_id'?: (string);
  /**
   * How the approval wait ended (its outcome text), when the step waited for one.
   */
  'approval'?: (string);
  /**
   * Why the session ended ("end").
   */
  'reason'?: (string);
  /**
   * SSH "pty": the terminal type.
   */
  'term'?: (string);
  /**
   * SSH "start": the user the client logged in as.
   */
  'user'?: (string);
  /**
   * "start": the client's address.
   */
  'client_address'?: (string);
  /**
   * "start": the decision that allowed the connection.
   */
  'connect_decision_id'?: (string);
  /**
   * SSH "start": the subject the session acts as, when it differs from the user.
   */
  'subject'?: (string);
  /**
   * SSH "exit": the exit status, or the signal that ended the command.
   */
  'code'?: (number);
  'signal'?: (string);
  /**
   * PostgreSQL "start": the database and the client's application_name.
   */
  'database'?: (string);
  'application'?: (string);
  /**
   * PostgreSQL "statement": rows returned or affected, and the time it took.
   */
  'rows'?: (number | string | Long);
  'duration_micros'?: (number | string | Long);
  /**
   * PostgreSQL "end": statements decided in the session.
   */
  'statements'?: (number | string | Long);
  /**
   * MCP "start": "http" or "stdio", and the client's name when it sent one.
   */
  'transport'?: (string);
  'client'?: (string);
  /**
   * MCP "call": the JSON-RPC method, the gateway name the agent used, the upstream server and
   * the `Type:id` it maps to.
   */
  'method'?: (string);
  'name'?: (string);
  'server'?: (string);
  'target'?: (string);
  /**
   * MCP "call": `sha256:<hex>` of the arguments' JSON and its size in bytes (never the values).
   */
  'arguments_digest'?: (string);
  'arguments_bytes'?: (number | string | Long);
  /**
   * MCP "call": the result's size in bytes, and how many values were masked in it.
   */
  'result_bytes'?: (number | string | Long);
  'masked'?: (number | string | Long);
  /**
   * MCP "call": the upstream's error (redacted).
   */
  'error'?: (string);
}

/**
 * `gatehouse.session.v1`: what a data plane saw in a session, one event per step, each with the
 * session's `sequence` so a reader can put them in order and see a gap. The PostgreSQL proxy
 * names the step in `event` (`start`, `statement`, `end`); the SSH and MCP proxies in `kind`
 * (SSH: `start`, `pty`, `command`, `input`, `output`, `resize`, `exit`, `end`; MCP: `start`,
 * `call`, `end`). Fields that do not apply to a step are absent.
 */
export interface SessionEventData__Output {
  /**
   * The step, for the SSH and MCP proxies (see above).
   */
  'kind': (string);
  'session_id': (string);
  /**
   * Reserved for a custom data plane's name; the Gatehouse proxies write `protocol`.
   */
  'proxy': (string);
  /**
   * The resource the session is on (PostgreSQL, SSH). Always an object in the JSON: the
   * `Type:id` string this field was once documented as was never written.
   */
  'resource': (_gatehouse_v1_SessionResource__Output | null);
  /**
   * The statement or command (redacted), or the terminal text of an "input"/"output" frame
   * (for "resize", `<cols>x<rows>`); masked columns are masked.
   */
  'text': (string);
  /**
   * The decision that allowed or denied the statement, command or call.
   */
  'decision_id': (string);
  /**
   * Terminal size, for SSH "start" (80x24, for asciicast export) and "pty".
   */
  'width': (number);
  'height': (number);
  /**
   * Anything else a custom data plane records.
   */
  'details': (_google_protobuf_Struct__Output | null);
  /**
   * "postgres", "ssh" or "mcp".
   */
  'protocol': (string);
  /**
   * Position in the session: 1, 2, ... (PostgreSQL counts statements: 0 for "start").
   */
  'sequence': (string);
  /**
   * The step, for the PostgreSQL proxy: "start", "statement" or "end".
   */
  'event': (string);
  /**
   * SSH: seconds since the session started (microsecond precision), for asciicast export.
   */
  't': (number);
  /**
   * SSH: the channel the frame, command or exit is on.
   */
  'channel': (number);
  /**
   * SSH "command": "exec" or "shell".
   */
  'mode': (string);
  /**
   * The decision's effect: "allow", "deny" or "require_approval".
   */
  'effect': (string);
  /**
   * The decision's reasons (redacted).
   */
  'reasons': (string)[];
  /**
   * Revision of the bundle that decided.
   */
  'policy_revision': (string);
  /**
   * What happened: PostgreSQL "ok", "error", "denied"; SSH "run", "denied",
   * "approval-refused"; MCP also "upstream-error", "mask-failed", "tool-error".
   */
  'outcome': (string);
  /**
   * The approval the step waited for or was allowed by.
   */
  'approval_id': (string);
  /**
   * How the approval wait ended (its outcome text), when the step waited for one.
   */
  'approval': (string);
  /**
   * Why the session ended ("end").
   */
  'reason': (string);
  /**
   * SSH "pty": the terminal type.
   */
  'term': (string);
  /**
   * SSH "start": the user the client logged in as.
   */
  'user': (string);
  /**
   * "start": the client's address.
   */
  'client_address': (string);
  /**
   * "start": the decision that allowed the connection.
   */
  'connect_decision_id': (string);
  /**
   * SSH "start": the subject the session acts as, when it differs from the user.
   */
  'subject': (string);
  /**
   * SSH "exit": the exit status, or the signal that ended the command.
   */
  'code': (number);
  'signal': (string);
  /**
   * PostgreSQL "start": the database and the client's application_name.
   */
  'database': (string);
  'application': (string);
  /**
   * PostgreSQL "statement": rows returned or affected, and the time it took.
   */
  'rows': (string);
  'duration_micros': (string);
  /**
   * PostgreSQL "end": statements decided in the session.
   */
  'statements': (string);
  /**
   * MCP "start": "http" or "stdio", and the client's name when it sent one.
   */
  'transport': (string);
  'client': (string);
  /**
   * MCP "call": the JSON-RPC method, the gateway name the agent used, the upstream server and
   * the `Type:id` it maps to.
   */
  'method': (string);
  'name': (string);
  'server': (string);
  'target': (string);
  /**
   * MCP "call": `sha256:<hex>` of the arguments' JSON and its size in bytes (never the values).
   */
  'arguments_digest': (string);
  'arguments_bytes': (string);
  /**
   * MCP "call": the result's size in bytes, and how many values were masked in it.
   */
  'result_bytes': (string);
  'masked': (string);
  /**
   * MCP "call": the upstream's error (redacted).
   */
  'error': (string);
}
