import type { Logger } from 'pino';
import type { AuditSink } from '../../../audit/index.ts';
import { ApprovalCapabilities } from '../approvals/approval-capability.ts';
import { ApprovalManager } from '../approvals/approval-manager.ts';
import { OidcVerifier, type OidcVerifierOptions } from '../identity/oidc-verifier.ts';
import type { Decision } from '../../model/index.ts';
import type { DecisionInput } from '../../model/index.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ApprovalGate, TokenGate } from '../../decision/index.ts';
import { KeyEncryptionKey } from './key-encryption-key.ts';
import { openTokenAuthority, type TokenAuthority } from './token-authority.ts';

export interface TokenSubsystemOptions {
  store: StateStore;
  auditSink: AuditSink;
  /** Evaluates `token.issue`, `token.revoke` and `approval.review` with the active bundle. */
  decide: (input: DecisionInput) => Promise<Decision>;
  /** The active bundle's revision, for the token.issue decision events. */
  revision?: () => string;
  /** `--oidc-*`; without it TokenService/ApprovalService answer UNAUTHENTICATED. */
  oidc?: OidcVerifierOptions;
  /** `--kek-file`; else GATEHOUSE_KEK from `env`; required with a PostgreSQL store. */
  kekFile?: string;
  env?: NodeJS.ProcessEnv;
  /** `iss` of scoped tokens; default `gatehouse`. */
  issuer?: string;
  approvalTtlMs?: number;
  logger?: Logger;
  clock?: () => Date;
}

export interface TokenSubsystem {
  tokenGate: TokenGate;
  approvalGate: ApprovalGate;
  authority: TokenAuthority;
  approvals: ApprovalManager;
  /** The OIDC verifier the token and approval services authenticate callers with, when configured. */
  oidc: OidcVerifier | undefined;
  /** What the subsystem was opened with (the gRPC services in engine/server answer from it). */
  options: TokenSubsystemOptions;
  /** Logs a failed token or approval handler. */
  onError(error: unknown): void;
  close(): void;
}

/**
 * Builds tokens, identity and approvals from one state store: what `gatehouse serve` wires
 * (cli/commands/serve.ts wireState). Their gRPC services are registered by the server layer
 * (engine/server/token-approval-services.ts), so this control-plane module knows no gRPC.
 */
export async function openTokenSubsystem(options: TokenSubsystemOptions): Promise<TokenSubsystem> {
  const log = options.logger;
  const oidc = options.oidc ? new OidcVerifier(options.oidc) : undefined;
  const kek = await KeyEncryptionKey.fromConfig({ ...(options.kekFile ? { file: options.kekFile } : {}), env: options.env ?? process.env });
  const authority = await openTokenAuthority({
    store: options.store,
    ...(kek ? { kek } : {}),
    ...(oidc ? { oidc } : {}),
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    log: (message) => log?.warn(message),
  });
  if (kek) log?.info({ kek: kek.origin }, 'signing keys encrypted at rest with the key-encryption key');
  const approvals = new ApprovalManager({
    store: options.store,
    audit: options.auditSink,
    decide: options.decide,
    recheckToken: (token, now) => authority.gate.recheck(token, now),
    tokenIssuer: authority.issuer,
    ...(options.approvalTtlMs ? { ttlMs: options.approvalTtlMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    // Replicas share the KEK (required with PostgreSQL state), so each accepts the others' capabilities.
    capabilities: new ApprovalCapabilities((kek ?? KeyEncryptionKey.ephemeral()).derive('gatehouse approval await capability v1')),
    onError: (stage, error) => log?.warn({ stage, err: error instanceof Error ? error.message : String(error) }, 'approval housekeeping failed'),
  });
  approvals.startSweeper();
  // Keys past their verification period are dropped (rotation itself happens when signing).
  const retirer = setInterval(() => void authority.ring.retireExpired().catch(() => undefined), 10 * 60_000);
  retirer.unref();
  const onError = (error: unknown) => log?.error({ err: error instanceof Error ? error.stack : String(error) }, 'token/approval handler failed');
  return {
    tokenGate: authority.gate,
    approvalGate: approvals,
    authority,
    approvals,
    oidc,
    options,
    onError,
    close() {
      clearInterval(retirer);
      approvals.close();
      authority.close();
    },
  };
}
