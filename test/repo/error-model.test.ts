import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditUnavailableError } from '../../audit/audit-sink.ts';
import { AuditConfigError } from '../../audit/kafka-spec.ts';
import { CliError, codeOf, UsageError } from '../../cli/cli-error.ts';
import { exitStatusOf } from '../../cli/exit-status.ts';
import { reportError } from '../../cli/report-error.ts';
import { TextArgumentError } from '../../dataplane/mcp/tool-call-context.ts';
import { UpstreamSpecError } from '../../dataplane/mcp/upstream-spec.ts';
import { StartupRefused } from '../../dataplane/postgres/startup-parameters.ts';
import { SessionSettingsChanged } from '../../dataplane/postgres/statement-reading-settings.ts';
import { PrivilegedUpstreamError } from '../../dataplane/postgres/upstream-privileges.ts';
import { ScramError } from '../../dataplane/postgres/upstream/scram-client.ts';
import { UpstreamError } from '../../dataplane/postgres/upstream/upstream-connection.ts';
import { ProtocolViolation } from '../../dataplane/postgres/wire/message-framer.ts';
import { SshProxyError, UpstreamUnavailableError } from '../../dataplane/ssh/ssh-proxy-error.ts';
import { ApprovalError } from '../../engine/control/approvals/approval-errors.ts';
import { BundleError } from '../../engine/bundle/bundle-error.ts';
import { DecisionTestError } from '../../engine/bundle/decision-test-error.ts';
import { CedarPolicyError } from '../../engine/evaluation/cedar/cedar-policy-error.ts';
import { CedarValueError } from '../../engine/evaluation/cedar/cedar-values.ts';
import { OidcVerificationError } from '../../engine/control/identity/oidc-verifier.ts';
import { ERROR_CODES, GatehouseError, isErrorCode, ResourceRefError, type ErrorCode } from '../../engine/model/index.ts';
import { BuiltinError } from '../../engine/evaluation/rego/builtins/rego-value.ts';
import { RegoCompileError, RegoLoadError } from '../../engine/evaluation/rego/rego-errors.ts';
import { EvaluationWorkerError } from '../../engine/decision/evaluation-pool/pool-worker.ts';
import { ERROR_CODE_METADATA, GRPC_STATUS, INTERNAL_DETAILS, statusOf } from '../../engine/server/grpc-status.ts';
import { InvalidRequestError, RequestIdConflictError, ResourceExhaustedError } from '../../engine/decision/request-errors.ts';
import { StructJsonError } from '../../proto/struct-json.ts';
import { ServiceStartError } from '../../engine/server/service-start-error.ts';
import { FactsNotInitializedError } from '../../engine/sql/sql-facts.ts';
import { StateStoreError } from '../../engine/control/state/state-store.ts';
import { RegoToolError } from '../../engine/testing/opa-process.ts';
import { KeyEncryptionError } from '../../engine/control/tokens/key-encryption-key.ts';
import { ConstraintError } from '../../engine/control/tokens/token-constraints.ts';
import { TokenRequestError } from '../../engine/control/tokens/token-issuer.ts';
import { ToolchainError } from '../../engine/evaluation/toolchain/opa-cli.ts';

// The error model (docs/errors.md): every error Gatehouse raises on purpose is a GatehouseError
// with a code from the closed set, a one-line message, and one gRPC status from the table at
// the server edge. The table below builds one of each error class (and each code a class is
// built with); the source scan fails when a class is added without a row here, or when an
// error class bypasses the base.

const root = resolve(import.meta.dirname, '..', '..');
const { INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, UNAVAILABLE, INTERNAL } = grpc.status;

interface Row {
  /** The class name as declared in the source. */
  className: string;
  error: GatehouseError;
  code: ErrorCode;
  status: grpc.status;
}

const row = (className: string, error: GatehouseError, code: ErrorCode, status: grpc.status): Row => ({ className, error, code, status });

const ROWS: Row[] = [
  // Requests to the services.
  row('InvalidRequestError', new InvalidRequestError('action', 'required (e.g. "db.query")'), 'GATEHOUSE_INVALID_REQUEST', INVALID_ARGUMENT),
  row('RequestIdConflictError', new RequestIdConflictError('r-1'), 'GATEHOUSE_REQUEST_ID_CONFLICT', FAILED_PRECONDITION),
  row('ResourceExhaustedError', new ResourceExhaustedError('session "s" has 2 decisions running and 3 waiting'), 'GATEHOUSE_RESOURCE_EXHAUSTED', RESOURCE_EXHAUSTED),
  row('OidcVerificationError', new OidcVerificationError('signature', 'signature verification failed'), 'GATEHOUSE_OIDC_INVALID', UNAUTHENTICATED),
  // Tokens.
  row('TokenRequestError', new TokenRequestError('actions: at most 32'), 'GATEHOUSE_TOKEN_REQUEST', INVALID_ARGUMENT),
  row('ConstraintError', new ConstraintError("unknown constraint 'x'"), 'GATEHOUSE_TOKEN_CONSTRAINT', INVALID_ARGUMENT),
  row('ResourceRefError', new ResourceRefError("resource 'orders' must be Type:id"), 'GATEHOUSE_RESOURCE_REF', INVALID_ARGUMENT),
  row('StructJsonError', new StructJsonError('context.n', 'NaN cannot be carried by google.protobuf.Value'), 'GATEHOUSE_INVALID_REQUEST', INVALID_ARGUMENT),
  row('GatehouseError', new GatehouseError('GATEHOUSE_TOKEN_DENIED', 'token.issue denied: no policy allowed it'), 'GATEHOUSE_TOKEN_DENIED', PERMISSION_DENIED),
  row('GatehouseError', new GatehouseError('GATEHOUSE_TOKEN_NOT_FOUND', 'token t-1 is unknown or already expired'), 'GATEHOUSE_TOKEN_NOT_FOUND', NOT_FOUND),
  row('KeyEncryptionError', new KeyEncryptionError('signing key envelope is malformed'), 'GATEHOUSE_KEK', INTERNAL),
  // Approvals: one code per refusal.
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_NOT_FOUND', 'approval a-1 does not exist'), 'GATEHOUSE_APPROVAL_NOT_FOUND', NOT_FOUND),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_CAPABILITY', 'awaiting an approval needs a credential'), 'GATEHOUSE_APPROVAL_CAPABILITY', PERMISSION_DENIED),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_FORBIDDEN', 'bob may not review approval a-1'), 'GATEHOUSE_APPROVAL_FORBIDDEN', PERMISSION_DENIED),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_SELF', 'pat is the subject of approval a-1'), 'GATEHOUSE_APPROVAL_SELF', PERMISSION_DENIED),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_RESOLVED', 'approval a-1 is already denied'), 'GATEHOUSE_APPROVAL_RESOLVED', FAILED_PRECONDITION),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_TOKEN_INVALID', 'approval a-1 was not released'), 'GATEHOUSE_APPROVAL_TOKEN_INVALID', FAILED_PRECONDITION),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_NO_ISSUER', 'approval a-1 cannot mint a token here'), 'GATEHOUSE_APPROVAL_NO_ISSUER', FAILED_PRECONDITION),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_REQUEST_ID_REUSED', 'request_id r-1 already holds an approval'), 'GATEHOUSE_APPROVAL_REQUEST_ID_REUSED', FAILED_PRECONDITION),
  row('ApprovalError', new ApprovalError('GATEHOUSE_APPROVAL_WINDOW', 'window_seconds must be an integer from 0 to 3600'), 'GATEHOUSE_APPROVAL_WINDOW', INVALID_ARGUMENT),
  // State and audit.
  row('StateStoreError', new StateStoreError('state store unavailable: connection refused'), 'GATEHOUSE_STATE_UNAVAILABLE', UNAVAILABLE),
  row('AuditUnavailableError', new AuditUnavailableError('the journal is full'), 'GATEHOUSE_AUDIT_UNAVAILABLE', UNAVAILABLE),
  row('AuditConfigError', new AuditConfigError('--audit kafka:// needs a broker'), 'GATEHOUSE_AUDIT_CONFIG', INTERNAL),
  // Policies and bundles.
  row('BundleError', new BundleError('unexpected token', 'policy/a.rego', 3), 'GATEHOUSE_BUNDLE', INTERNAL),
  row('DecisionTestError', new DecisionTestError('tests/db.yaml', 20, "unknown subject fixture 'paola'", ['another']), 'GATEHOUSE_DECISION_TEST', INTERNAL),
  row('RegoCompileError', new RegoCompileError([{ file: 'a.rego', line: 1, message: 'rego_parse_error: unexpected eof' }]), 'GATEHOUSE_REGO_COMPILE', INTERNAL),
  row('RegoLoadError', new RegoLoadError('the policy needs builtin x.y, which Gatehouse does not supply'), 'GATEHOUSE_REGO_LOAD', INTERNAL),
  row('BuiltinError', new BuiltinError('operand 1 must be string'), 'GATEHOUSE_REGO_BUILTIN', INTERNAL),
  row('RegoToolError', new RegoToolError('opa test could not run'), 'GATEHOUSE_REGO_TEST', INTERNAL),
  row('CedarPolicyError', new CedarPolicyError([{ file: 'p.cedar', line: 2, message: 'unexpected token', help: 'a policy ends with ;' }]), 'GATEHOUSE_CEDAR_POLICY', INTERNAL),
  row('CedarValueError', new CedarValueError('context.amount: an integer beyond 2^53'), 'GATEHOUSE_CEDAR_VALUE', INTERNAL),
  row('ToolchainError', new ToolchainError('opa v1.22.3 not found'), 'GATEHOUSE_TOOLCHAIN', INTERNAL),
  row('FactsNotInitializedError', new FactsNotInitializedError('SQL'), 'GATEHOUSE_FACTS_NOT_INITIALIZED', INTERNAL),
  // The service process.
  row('ServiceStartError', new ServiceStartError('cannot listen on 127.0.0.1:50051: EADDRINUSE'), 'GATEHOUSE_SERVICE_START', INTERNAL),
  row('EvaluationWorkerError', new EvaluationWorkerError('evaluation pool is closed'), 'GATEHOUSE_EVALUATION_WORKER', INTERNAL),
  // Data planes.
  row('ProtocolViolation', new ProtocolViolation('message of 2000000 bytes exceeds the limit', '54000'), 'GATEHOUSE_PG_PROTOCOL', INTERNAL),
  row('StartupRefused', new StartupRefused('replication connections are refused', '28000'), 'GATEHOUSE_PG_STARTUP', INTERNAL),
  row('UpstreamError', new UpstreamError('--upstream must be a postgres:// URL'), 'GATEHOUSE_PG_UPSTREAM', INTERNAL),
  row('ScramError', new ScramError('server signature mismatch'), 'GATEHOUSE_PG_UPSTREAM_AUTH', INTERNAL),
  row('PrivilegedUpstreamError', new PrivilegedUpstreamError('the upstream role "postgres" has SUPERUSER'), 'GATEHOUSE_PG_PRIVILEGED_UPSTREAM', INTERNAL),
  row('SessionSettingsChanged', new SessionSettingsChanged('client_encoding'), 'GATEHOUSE_PG_SESSION_SETTINGS', INTERNAL),
  row('SshProxyError', new SshProxyError('cannot write the host key /x: EACCES'), 'GATEHOUSE_SSH_PROXY', INTERNAL),
  row('UpstreamUnavailableError', new UpstreamUnavailableError('connect ECONNREFUSED 127.0.0.1:22'), 'GATEHOUSE_SSH_UPSTREAM', INTERNAL),
  row('TextArgumentError', new TextArgumentError("--text-arg 'x' must be SERVER/TOOL:ARGUMENT=sql|shell"), 'GATEHOUSE_MCP_CONFIG', INTERNAL),
  row('UpstreamSpecError', new UpstreamSpecError("upstream 'x' must be NAME=URL or NAME=COMMAND"), 'GATEHOUSE_MCP_CONFIG', INTERNAL),
  // The CLI.
  row('CliError', new CliError('bundle b.tar.gz cannot be read: ENOENT'), 'GATEHOUSE_COMMAND_FAILED', INTERNAL),
  row('CliError', new CliError('policy/a.rego:3: unexpected token', 'GATEHOUSE_POLICY_LOAD'), 'GATEHOUSE_POLICY_LOAD', INTERNAL),
  row('UsageError', new UsageError('--format must be one of text, json, junit'), 'GATEHOUSE_USAGE', INTERNAL),
];

describe('the error codes', () => {
  it('each code is GATEHOUSE_ and upper case, with a one-line meaning and a one-line fix', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^GATEHOUSE_[A-Z0-9_]+$/);
      for (const text of [info.meaning, info.fix]) {
        expect(text.trim().length, code).toBeGreaterThan(0);
        expect(text, code).not.toMatch(/\n/);
      }
    }
  });

  it('each code has its gRPC status in the one table at the server edge, and no other code is in it', () => {
    expect(Object.keys(GRPC_STATUS).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const status of Object.values(GRPC_STATUS)) expect(Object.values(grpc.status)).toContain(status);
  });

  it('a wrong command line or an unloadable policy exits 2, any other failure 1', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(exitStatusOf(code), code).toBe(code === 'GATEHOUSE_USAGE' || code === 'GATEHOUSE_POLICY_LOAD' ? 2 : 1);
    }
  });

  it('docs/errors.md lists every code with its gRPC status and CLI exit status', () => {
    const rows = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
      .split('\n')
      .map((line) => /^\| `(GATEHOUSE_\w+)` \|.*\| (\w+) \| (\d+) \|$/.exec(line))
      .filter((match) => match !== null)
      .map(([, code, status, exit]) => `${code} ${status} ${exit}`);
    const expected = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => `${code} ${grpc.status[GRPC_STATUS[code]]} ${exitStatusOf(code)}`);
    expect(rows).toEqual(expected);
  });

  it('isErrorCode accepts exactly the closed set', () => {
    expect(isErrorCode('GATEHOUSE_BUNDLE')).toBe(true);
    expect(isErrorCode('GATEHOUSE_NOT_A_CODE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(3)).toBe(false);
  });
});

describe('every error class', () => {
  it.each(ROWS.map((r) => [`${r.className} ${r.code}`, r] as const))('%s: code, one-line message, gRPC status', (_, r) => {
    expect(r.error).toBeInstanceOf(GatehouseError);
    expect(r.error).toBeInstanceOf(Error);
    expect(r.error.constructor.name).toBe(r.className);
    expect(r.error.code).toBe(r.code);
    expect(isErrorCode(r.error.code)).toBe(true);
    expect(r.error.message.trim().length).toBeGreaterThan(0);
    expect(r.error.message).not.toMatch(/\n/);

    const onInternal = vi.fn();
    const status = statusOf(r.error, { onInternal });
    expect(status.code).toBe(r.status);
    if (r.status === INTERNAL) {
      // Never the message: it can name files, hosts or internals. The service logs it.
      expect(status.details).toBe(INTERNAL_DETAILS);
      expect(status.metadata).toBeUndefined();
      expect(onInternal).toHaveBeenCalledWith(r.error);
    } else {
      expect(status.details).toBe(r.error.message);
      // The stable code travels in the trailing metadata, for clients that report by code.
      expect(status.metadata?.get(ERROR_CODE_METADATA)).toEqual([r.code]);
      expect(onInternal).not.toHaveBeenCalled();
    }
  });

  it('every code a service answers with a status other than INTERNAL has a row', () => {
    const answered = (Object.keys(GRPC_STATUS) as ErrorCode[]).filter((code) => GRPC_STATUS[code] !== INTERNAL);
    expect(answered.filter((code) => !ROWS.some((r) => r.code === code))).toEqual([]);
  });

  it('a message given with line breaks is folded to one line', () => {
    expect(new BundleError('opa build failed:\n  a.rego:3: unexpected token\n').message).toBe('opa build failed: a.rego:3: unexpected token');
  });

  it('anything that is not a GatehouseError is INTERNAL without its message, and logged', () => {
    const onInternal = vi.fn();
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(statusOf(bug, { onInternal, internalDetails: 'internal error; treat as deny' })).toEqual({ code: INTERNAL, details: 'internal error; treat as deny' });
    expect(onInternal).toHaveBeenCalledWith(bug);
    expect(statusOf('a string')).toEqual({ code: INTERNAL, details: INTERNAL_DETAILS });
  });

  it('a status details stays within 1000 characters', () => {
    expect(statusOf(new InvalidRequestError('context', 'x'.repeat(5000))).details).toHaveLength(1000);
  });
});

describe('the CLI reports by code', () => {
  afterEach(() => vi.restoreAllMocks());

  function report(error: unknown): { status: number; stderr: string } {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const status = reportError(error);
    vi.restoreAllMocks();
    return { status, stderr };
  }

  it('one line: the message, then the code; the exit status follows the code', () => {
    expect(report(new UsageError('--source is required'))).toEqual({ status: 2, stderr: 'gatehouse: --source is required [GATEHOUSE_USAGE]\n' });
    expect(report(new BundleError('bundle is not a gzip\'d tarball'))).toEqual({ status: 1, stderr: "gatehouse: bundle is not a gzip'd tarball [GATEHOUSE_BUNDLE]\n" });
    expect(report(new CliError('a.rego:3: unexpected token', 'GATEHOUSE_POLICY_LOAD'))).toEqual({ status: 2, stderr: 'gatehouse: a.rego:3: unexpected token [GATEHOUSE_POLICY_LOAD]\n' });
  });

  it('a wrapped failure keeps the code of what failed', () => {
    const wrapped = new PrivilegedUpstreamError('the upstream role "postgres" has SUPERUSER');
    expect(codeOf(wrapped)).toBe('GATEHOUSE_PG_PRIVILEGED_UPSTREAM');
    expect(codeOf(new Error('ENOENT'))).toBe('GATEHOUSE_COMMAND_FAILED');
  });

  it('anything else is a bug: GATEHOUSE_INTERNAL with its stack, exit 1', () => {
    const { status, stderr } = report(new TypeError('x is undefined'));
    expect(status).toBe(1);
    expect(stderr).toMatch(/^gatehouse: internal error \[GATEHOUSE_INTERNAL\]: TypeError: x is undefined\n\s+at /);
  });
});

/** Every source file of the product (the folders dependency-cruiser checks). */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs|cjs)$/.test(entry.name) || dir.endsWith('/bin')) files.push(path);
    }
  };
  for (const folder of ['engine', 'audit', 'dataplane', 'cli', 'proto', 'bin']) walk(join(root, folder));
  return files;
}

describe('the error classes in the source', () => {
  const declarations = sourceFiles().flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\bclass\s+(\w+)\s+extends\s+([\w.]+)/g)].map((m) => ({ file: relative(root, file), name: m[1]!, parent: m[2]! })),
  );

  it('only GatehouseError extends Error (or another built-in error) directly', () => {
    const builtIn = /^(Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)$/;
    const direct = declarations.filter((d) => builtIn.test(d.parent)).map((d) => `${d.file}: ${d.name} extends ${d.parent}`);
    expect(direct).toEqual(['engine/model/gatehouse-error.ts: GatehouseError extends Error']);
  });

  it('every class that extends GatehouseError, directly or not, has a row in the table above', () => {
    const errorClasses = new Set(['GatehouseError']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const d of declarations) {
        if (errorClasses.has(d.parent) && !errorClasses.has(d.name)) {
          errorClasses.add(d.name);
          grew = true;
        }
      }
    }
    expect([...errorClasses].sort()).toEqual([...new Set(ROWS.map((r) => r.className))].sort());
  });
});
