// Original file: gatehouse/v1/token.proto

import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from './Resource.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

/**
 * A request for a scoped token.
 */
export interface IssueTokenRequest {
  /**
   * Required, 1 to 32 entries. The actions the token may be used for, e.g. `db.query`,
   * `db.connect`. A request on the data path with another action is denied (check `action`).
   */
  'actions'?: (string)[];
  /**
   * Required: `type` and `id`. The one resource the token is for; it becomes the token's `aud`
   * as `<type>:<id>`. `attributes` are passed to the `token.issue` decision and not kept in the token.
   */
  'resource'?: (_gatehouse_v1_Resource | null);
  /**
   * Required. Lifetime in seconds, 1 to the service's maximum (default 86400). The token is valid
   * from issue (`nbf` = `iat`) until `iat + ttl_seconds`.
   */
  'ttl_seconds'?: (number);
  /**
   * How many decided commands the token may be used for. 0 (the default) means no limit within the
   * lifetime. Each `Decide` with the token for an action not ending in `.connect` consumes one use
   * (a retried `request_id` consumes none); uses are counted atomically across replicas.
   */
  'max_uses'?: (number);
  /**
   * The executor that will present the token on behalf of the caller (e.g. `agent-7`); recorded in
   * the token as `act: {"sub": executor}` (RFC 8693) and shown to policy as `token.executor`.
   * Optional; empty means none named.
   */
  'executor'?: (string);
  /**
   * Narrows the token below its actions. Optional; each key is enforced before policy runs:
   * * `sqlKinds`: list of statement kinds (e.g. `["select"]`); every statement must be one of them.
   * * `sqlTables`: list of table names; every table a statement touches must be one of them.
   * * `sqlText`: the exact SQL text allowed; only surrounding whitespace is ignored (literals count).
   * * `commandText`: the exact shell command line allowed, compared the same way.
   * * `argvPrefix`: list of argv words every simple command must start with; dynamic commands fail.
   * An unknown key is `INVALID_ARGUMENT`.
   */
  'constraints'?: (_google_protobuf_Struct | null);
}

/**
 * A request for a scoped token.
 */
export interface IssueTokenRequest__Output {
  /**
   * Required, 1 to 32 entries. The actions the token may be used for, e.g. `db.query`,
   * `db.connect`. A request on the data path with another action is denied (check `action`).
   */
  'actions': (string)[];
  /**
   * Required: `type` and `id`. The one resource the token is for; it becomes the token's `aud`
   * as `<type>:<id>`. `attributes` are passed to the `token.issue` decision and not kept in the token.
   */
  'resource': (_gatehouse_v1_Resource__Output | null);
  /**
   * Required. Lifetime in seconds, 1 to the service's maximum (default 86400). The token is valid
   * from issue (`nbf` = `iat`) until `iat + ttl_seconds`.
   */
  'ttl_seconds': (number);
  /**
   * How many decided commands the token may be used for. 0 (the default) means no limit within the
   * lifetime. Each `Decide` with the token for an action not ending in `.connect` consumes one use
   * (a retried `request_id` consumes none); uses are counted atomically across replicas.
   */
  'max_uses': (number);
  /**
   * The executor that will present the token on behalf of the caller (e.g. `agent-7`); recorded in
   * the token as `act: {"sub": executor}` (RFC 8693) and shown to policy as `token.executor`.
   * Optional; empty means none named.
   */
  'executor': (string);
  /**
   * Narrows the token below its actions. Optional; each key is enforced before policy runs:
   * * `sqlKinds`: list of statement kinds (e.g. `["select"]`); every statement must be one of them.
   * * `sqlTables`: list of table names; every table a statement touches must be one of them.
   * * `sqlText`: the exact SQL text allowed; only surrounding whitespace is ignored (literals count).
   * * `commandText`: the exact shell command line allowed, compared the same way.
   * * `argvPrefix`: list of argv words every simple command must start with; dynamic commands fail.
   * An unknown key is `INVALID_ARGUMENT`.
   */
  'constraints': (_google_protobuf_Struct__Output | null);
}
