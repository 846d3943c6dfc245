/**
 * The closed set of error codes. Every error Gatehouse reports on purpose carries one of these
 * (GatehouseError); the gRPC edge maps a code to a status in one table (engine/server/grpc-status.ts),
 * the CLI prints the code and derives its exit status from it (cli/exit-status.ts). Codes are
 * stable: scripts and alerts may match them, so a code is never renamed or reused for another
 * meaning; a new failure gets a new code here (and a row in docs/errors.md).
 */
export interface ErrorCodeInfo {
  /** What went wrong, in one line. */
  meaning: string;
  /** What the user or operator does about it, in one line. */
  fix: string;
}

export const ERROR_CODES = {
  // Requests to the gRPC services (nothing was evaluated, consumed or recorded).
  GATEHOUSE_INVALID_REQUEST: {
    meaning: 'a request field is missing or malformed; the message starts with the field path',
    fix: 'correct that field (docs/api.md lists the fields and their limits)',
  },
  GATEHOUSE_REQUEST_ID_CONFLICT: {
    meaning: 'the request_id was already used for a different request',
    fix: 'send a new request_id for a new request; reuse one only to retry the same request',
  },
  GATEHOUSE_RESOURCE_EXHAUSTED: {
    meaning: 'the session or caller has more decisions running and waiting than its share',
    fix: 'wait for answers before sending more, or retry with backoff',
  },
  GATEHOUSE_OIDC_INVALID: {
    meaning: 'the OIDC bearer token is missing, malformed, expired or not from the configured issuer',
    fix: 'send a fresh token of the configured issuer and audience in "authorization: Bearer <token>"',
  },

  // Scoped tokens.
  GATEHOUSE_TOKEN_REQUEST: {
    meaning: 'an IssueToken request asks for something a token cannot carry (actions, time to live, executor, constraints)',
    fix: 'correct the field the message names (docs/tokens.md)',
  },
  GATEHOUSE_TOKEN_CONSTRAINT: {
    meaning: 'a token constraint is unknown or has the wrong shape',
    fix: 'use the constraint keys and shapes of docs/tokens.md',
  },
  GATEHOUSE_RESOURCE_REF: {
    meaning: 'a resource reference is not Type:id',
    fix: 'write the resource as Type:id, e.g. Database:orders',
  },
  GATEHOUSE_TOKEN_DENIED: {
    meaning: 'policy did not allow token.issue or token.revoke for the caller',
    fix: 'read the reasons in the message; ask for less, or ask a policy owner',
  },
  GATEHOUSE_TOKEN_NOT_FOUND: {
    meaning: 'the token id is unknown or the token has already expired',
    fix: 'check the token id (gatehouse token introspect shows it); an expired token needs no revocation',
  },
  GATEHOUSE_KEK: {
    meaning: 'the key-encryption key is missing or wrong, or a stored signing key does not decrypt',
    fix: 'give every replica the same 32-byte key (GATEHOUSE_KEK or --kek-file)',
  },

  // Approvals.
  GATEHOUSE_APPROVAL_NOT_FOUND: {
    meaning: 'the approval does not exist, or the caller may not see it',
    fix: 'check the approval id; only its parties and its reviewers see an approval',
  },
  GATEHOUSE_APPROVAL_CAPABILITY: {
    meaning: 'awaiting an approval without a credential needs the approval_capability of the require_approval answer',
    fix: 'send a bearer credential, or the approval_capability the data plane was handed',
  },
  GATEHOUSE_APPROVAL_FORBIDDEN: {
    meaning: 'policy did not allow the caller to review this approval (approval.review)',
    fix: 'ask a reviewer the policy allows',
  },
  GATEHOUSE_APPROVAL_SELF: {
    meaning: 'the requester or executor of an approval tried to review it',
    fix: 'ask another reviewer',
  },
  GATEHOUSE_APPROVAL_RESOLVED: {
    meaning: 'the approval was already approved, denied or expired',
    fix: 'nothing to do, or ask again for a new approval',
  },
  GATEHOUSE_APPROVAL_TOKEN_INVALID: {
    meaning: 'the token of the held request was no longer valid when the approval was released (revoked, expired, spent); the approval is denied',
    fix: 'ask for a new token and a new approval',
  },
  GATEHOUSE_APPROVAL_NO_ISSUER: {
    meaning: 'the approval releases a token, but this service has no token issuer to mint it',
    fix: 'approve through a service with tokens configured (docs/tokens.md)',
  },
  GATEHOUSE_APPROVAL_REQUEST_ID_REUSED: {
    meaning: 'the request_id already holds an approval for a different request',
    fix: 'use a new request_id for a new request',
  },
  GATEHOUSE_APPROVAL_WINDOW: {
    meaning: 'window_seconds is outside what the service allows',
    fix: 'choose a window within the limit the message gives',
  },

  // Shared state and audit.
  GATEHOUSE_STATE_UNAVAILABLE: {
    meaning: 'the shared state store (PostgreSQL) cannot be reached or refused the operation',
    fix: 'check --state and the database; the call can be retried',
  },
  GATEHOUSE_AUDIT_UNAVAILABLE: {
    meaning: 'an audit event could not be durably recorded, so the action was refused',
    fix: 'check the audit sink (journal disk, Kafka) named in the message; the call can be retried',
  },
  GATEHOUSE_AUDIT_CONFIG: {
    meaning: 'an --audit spec, its options or an audit source is wrong',
    fix: 'correct the flag the message names (docs/audit.md)',
  },

  // Policies and bundles.
  GATEHOUSE_BUNDLE: {
    meaning: 'a policy directory or bundle cannot be built, read, verified or activated',
    fix: 'fix the file and line the message names (docs/bundles.md)',
  },
  GATEHOUSE_DECISION_TEST: {
    meaning: 'a decision test file is malformed, or a bundle failed its own decision tests',
    fix: 'fix the test file or the policy at the line the message names (docs/decision-tests.md)',
  },
  GATEHOUSE_REGO_COMPILE: {
    meaning: 'opa build rejected the Rego policies',
    fix: 'fix the Rego at the file and line the message names',
  },
  GATEHOUSE_REGO_LOAD: {
    meaning: 'a compiled Rego policy cannot be loaded (e.g. it calls a builtin Gatehouse does not supply)',
    fix: 'use the builtins docs/policies.md lists',
  },
  GATEHOUSE_REGO_BUILTIN: {
    meaning: 'a Rego builtin rejected its operands; as in OPA, the call is undefined',
    fix: 'check the operands the policy passes to the builtin the message names',
  },
  GATEHOUSE_REGO_TEST: {
    meaning: 'opa test could not run the Rego unit tests',
    fix: 'fix the cause the message names (usually the opa CLI or a test file)',
  },
  GATEHOUSE_CEDAR_POLICY: {
    meaning: 'Cedar policies, schema or entities cannot be parsed or do not validate',
    fix: 'fix the Cedar file at the line the message names (docs/cedar.md)',
  },
  GATEHOUSE_CEDAR_VALUE: {
    meaning: 'a request value cannot be given to Cedar exactly (an integer beyond 2^53); the request is denied',
    fix: 'send such numbers as strings',
  },
  GATEHOUSE_TOOLCHAIN: {
    meaning: 'the opa CLI is missing or is not the pinned version',
    fix: 'run scripts/install-opa, or point GATEHOUSE_OPA at the pinned opa',
  },
  GATEHOUSE_FACTS_NOT_INITIALIZED: {
    meaning: 'facts were computed before the SQL or shell parser was loaded (a bug in the embedding program)',
    fix: 'await initFactExtractors() before computing facts',
  },

  // The decision service process.
  GATEHOUSE_SERVICE_START: {
    meaning: 'the decision service cannot start (bundle not activated, address in use, unreadable TLS files)',
    fix: 'fix the cause the message names and start it again',
  },
  GATEHOUSE_EVALUATION_WORKER: {
    meaning: 'an evaluation worker failed or the pool is closed; the request is denied',
    fix: 'read the service log; the pool replaces a dead worker',
  },

  // PostgreSQL proxy.
  GATEHOUSE_PG_PROTOCOL: {
    meaning: 'a PostgreSQL client or server broke the wire protocol or a message limit',
    fix: 'use a conforming client; raise the limit the message names if the message is legitimate',
  },
  GATEHOUSE_PG_STARTUP: {
    meaning: 'the proxy refused the client startup parameters (database, options, replication)',
    fix: 'connect to the database the proxy serves, without the refused parameter',
  },
  GATEHOUSE_PG_UPSTREAM: {
    meaning: 'the PostgreSQL server behind the proxy cannot be reached or refused the proxy',
    fix: 'check --upstream and the server',
  },
  GATEHOUSE_PG_UPSTREAM_AUTH: {
    meaning: 'SCRAM authentication with the PostgreSQL server behind the proxy failed',
    fix: 'check the password in --upstream',
  },
  GATEHOUSE_PG_PRIVILEGED_UPSTREAM: {
    meaning: 'the proxy role upstream is a superuser or bypasses row-level security',
    fix: 'give the proxy a role without those attributes (docs/postgres-proxy.md)',
  },
  GATEHOUSE_PG_SESSION_SETTINGS: {
    meaning: 'the session changed a setting that makes PostgreSQL read statements differently; the session was closed',
    fix: 'reconnect, and do not change client_encoding or standard_conforming_strings through the proxy',
  },

  // SSH proxy.
  GATEHOUSE_SSH_PROXY: {
    meaning: 'the SSH proxy configuration is wrong or it cannot start',
    fix: 'fix the flag or file the message names (docs/ssh-proxy.md)',
  },
  GATEHOUSE_SSH_UPSTREAM: {
    meaning: 'the host behind the SSH proxy cannot be reached, refused the proxy key or failed its host-key check',
    fix: 'check the host, --upstream-key and the known hosts',
  },

  // MCP proxy.
  GATEHOUSE_MCP_CONFIG: {
    meaning: 'an MCP proxy --upstream or --text-arg flag is malformed',
    fix: 'use the form the message gives (docs/mcp-proxy.md)',
  },

  // The CLI.
  GATEHOUSE_USAGE: {
    meaning: 'a command line is wrong: unknown command, flag or value',
    fix: "correct it; 'gatehouse <command> --help' lists the flags",
  },
  GATEHOUSE_POLICY_LOAD: {
    meaning: 'gatehouse test could not load a policy directory (Rego, Cedar, data or a decision test file)',
    fix: 'fix the file and line the message names',
  },
  GATEHOUSE_COMMAND_FAILED: {
    meaning: 'a command could not do its work: a refused or failed call, an unreadable file',
    fix: 'read the message: it names what failed and why',
  },
  GATEHOUSE_INTERNAL: {
    meaning: 'an unexpected error: a bug in Gatehouse (the CLI prints its stack; a service logs it and answers INTERNAL)',
    fix: 'report it with the stack or the service log line',
  },
} as const satisfies Record<`GATEHOUSE_${string}`, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
