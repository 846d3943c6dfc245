// Original file: gatehouse/v1/decision.proto

import type { Subject as _gatehouse_v1_Subject, Subject__Output as _gatehouse_v1_Subject__Output } from '../../gatehouse/v1/Subject.ts';
import type { Resource as _gatehouse_v1_Resource, Resource__Output as _gatehouse_v1_Resource__Output } from '../../gatehouse/v1/Resource.ts';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.ts';

/**
 * One decision request. This is the request model of docs/architecture.md: Rego sees it as `input` (with
 * `time`, `token`, `sessionId` and `requestId` added by the service) and Cedar maps it to principal,
 * action, resource and context.
 */
export interface DecideRequest {
  /**
   * The acting subject. Required (with a non-empty `id`) when `token` is empty; ignored when
   * `token` is set. Trusting a caller-supplied subject requires that only authenticated data planes
   * can reach the service (mTLS, see docs/threat-model.md).
   */
  'subject'?: (_gatehouse_v1_Subject | null);
  /**
   * Required. The action, e.g. `db.query`, `db.connect`, `ssh.exec`, `ssh.connect`,
   * `token.issue`, `approval.review`. 1 to 128 characters: dot-separated segments of
   * `[A-Za-z0-9_-]`, starting with a letter (`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$`).
   * Actions ending in `.connect` check a token without consuming one of its uses.
   */
  'action'?: (string);
  /**
   * Required. The resource acted on.
   */
  'resource'?: (_gatehouse_v1_Resource | null);
  /**
   * Free-form context, at most 1 MiB when serialised as JSON and nested at most 32 levels deep.
   * Numbers must be finite. Two keys are special:
   * * `sql`: an object whose `text` (string) is the raw SQL. The service parses it with the
   * PostgreSQL parser and replaces `sql.statements` with the computed facts; SQL that does not
   * parse is denied.
   * * `command`: an object whose `text` (string) is the raw shell command line. The service parses
   * it and replaces `command.commands`.
   * Facts sent without the corresponding `text` are evaluated as given (tests, custom data planes).
   * Optional; absent means `{}`. Data planes on a hot path should send `context_json` instead.
   */
  'context'?: (_google_protobuf_Struct | null);
  /**
   * A raw credential: a Gatehouse scoped token or an OIDC JWT from the configured issuer, at most
   * 16 KiB. Optional. When set the service verifies it (signature, time window, audience, action
   * scope, constraints, revocation, uses) before any policy runs, takes the subject from it, and for
   * actions other than `*.connect` consumes one use. A failed check is `EFFECT_DENY` with a reason
   * naming the check. The raw token never appears in logs or audit events.
   */
  'token'?: (string);
  /**
   * Identifies the data-plane session (one database connection, one SSH session), up to 128
   * printable ASCII characters. Optional. Audit events are keyed by it.
   */
  'session_id'?: (string);
  /**
   * Idempotency key, up to 128 printable ASCII characters (a UUID is recommended). Optional on
   * `Decide` and `DecideBatch`, required on `DecideStream`. A retry with the same `request_id` and
   * the same request returns the same `DecideResponse` (same `decision_id`) for 10 minutes (with
   * `--state memory`, for the newest 100,000 request ids within that time), consumes no extra token
   * use and creates no second approval. The same `request_id` with a
   * different request fails with `FAILED_PRECONDITION`. Answers that were denies caused by a
   * service failure (audit unavailable, internal error, deadline) are not remembered, so a retry
   * is decided afresh.
   */
  'request_id'?: (string);
  /**
   * The same free-form context as `context`, encoded as the UTF-8 JSON text of one object, with
   * the same limits and special keys (at most 1 MiB, nested at most 32 levels; a number literal
   * too large for a double, such as `1e999`, is refused as not finite). The service parses it
   * once; a nested `Struct` costs both sides far more per request, so data planes on a hot path
   * send this. Set at most one of `context` and `context_json`: both is `INVALID_ARGUMENT`.
   * With `request_id`, a retry must repeat these bytes exactly (the idempotency check compares
   * them as sent, not re-ordered). Services that predate this field ignore it and see an empty
   * context: a data plane that sends it must deny any answer whose `reads_context_json` is not
   * set (the Gatehouse SDK does).
   */
  'context_json'?: (Buffer | Uint8Array | string);
}

/**
 * One decision request. This is the request model of docs/architecture.md: Rego sees it as `input` (with
 * `time`, `token`, `sessionId` and `requestId` added by the service) and Cedar maps it to principal,
 * action, resource and context.
 */
export interface DecideRequest__Output {
  /**
   * The acting subject. Required (with a non-empty `id`) when `token` is empty; ignored when
   * `token` is set. Trusting a caller-supplied subject requires that only authenticated data planes
   * can reach the service (mTLS, see docs/threat-model.md).
   */
  'subject': (_gatehouse_v1_Subject__Output | null);
  /**
   * Required. The action, e.g. `db.query`, `db.connect`, `ssh.exec`, `ssh.connect`,
   * `token.issue`, `approval.review`. 1 to 128 characters: dot-separated segments of
   * `[A-Za-z0-9_-]`, starting with a letter (`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$`).
   * Actions ending in `.connect` check a token without consuming one of its uses.
   */
  'action': (string);
  /**
   * Required. The resource acted on.
   */
  'resource': (_gatehouse_v1_Resource__Output | null);
  /**
   * Free-form context, at most 1 MiB when serialised as JSON and nested at most 32 levels deep.
   * Numbers must be finite. Two keys are special:
   * * `sql`: an object whose `text` (string) is the raw SQL. The service parses it with the
   * PostgreSQL parser and replaces `sql.statements` with the computed facts; SQL that does not
   * parse is denied.
   * * `command`: an object whose `text` (string) is the raw shell command line. The service parses
   * it and replaces `command.commands`.
   * Facts sent without the corresponding `text` are evaluated as given (tests, custom data planes).
   * Optional; absent means `{}`. Data planes on a hot path should send `context_json` instead.
   */
  'context': (_google_protobuf_Struct__Output | null);
  /**
   * A raw credential: a Gatehouse scoped token or an OIDC JWT from the configured issuer, at most
   * 16 KiB. Optional. When set the service verifies it (signature, time window, audience, action
   * scope, constraints, revocation, uses) before any policy runs, takes the subject from it, and for
   * actions other than `*.connect` consumes one use. A failed check is `EFFECT_DENY` with a reason
   * naming the check. The raw token never appears in logs or audit events.
   */
  'token': (string);
  /**
   * Identifies the data-plane session (one database connection, one SSH session), up to 128
   * printable ASCII characters. Optional. Audit events are keyed by it.
   */
  'session_id': (string);
  /**
   * Idempotency key, up to 128 printable ASCII characters (a UUID is recommended). Optional on
   * `Decide` and `DecideBatch`, required on `DecideStream`. A retry with the same `request_id` and
   * the same request returns the same `DecideResponse` (same `decision_id`) for 10 minutes (with
   * `--state memory`, for the newest 100,000 request ids within that time), consumes no extra token
   * use and creates no second approval. The same `request_id` with a
   * different request fails with `FAILED_PRECONDITION`. Answers that were denies caused by a
   * service failure (audit unavailable, internal error, deadline) are not remembered, so a retry
   * is decided afresh.
   */
  'request_id': (string);
  /**
   * The same free-form context as `context`, encoded as the UTF-8 JSON text of one object, with
   * the same limits and special keys (at most 1 MiB, nested at most 32 levels; a number literal
   * too large for a double, such as `1e999`, is refused as not finite). The service parses it
   * once; a nested `Struct` costs both sides far more per request, so data planes on a hot path
   * send this. Set at most one of `context` and `context_json`: both is `INVALID_ARGUMENT`.
   * With `request_id`, a retry must repeat these bytes exactly (the idempotency check compares
   * them as sent, not re-ordered). Services that predate this field ignore it and see an empty
   * context: a data plane that sends it must deny any answer whose `reads_context_json` is not
   * set (the Gatehouse SDK does).
   */
  'context_json': (Buffer);
}
