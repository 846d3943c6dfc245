import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { openFileAuditSink } from '../../../../audit/file-audit-sink.ts';
import { evaluateRequest } from '../../../../engine/bundle/evaluate-request.ts';
import { initFactExtractors } from '../../../../engine/evaluation/facts/index.ts';
import type { PreparedBundle } from '../../../../engine/bundle/prepared-bundle.ts';
import { ActiveBundle } from '../../../../engine/decision/active-bundle.ts';
import { bundleFileSource } from '../../../../engine/decision/bundle-source.ts';
import { startDecisionServer, type RunningDecisionServer } from '../../../../engine/server/decision-server.ts';
import { loadGatehouseProtos } from '../../../../proto/gatehouse-protos.ts';
import { ServiceMetrics } from '../../../../engine/server/service-metrics.ts';
import type { StateStore } from '../../../../engine/control/state/state-store.ts';
import { openTokenSubsystem, type TokenSubsystem } from '../../../../engine/control/tokens/token-subsystem.ts';
import { registerTokenAndApprovalServices } from '../../../../engine/server/token-approval-services.ts';
import type { ApprovalServiceClient } from '../../../../proto/generated/gatehouse/v1/ApprovalService.ts';
import type { DecisionServiceClient } from '../../../../proto/generated/gatehouse/v1/DecisionService.ts';
import type { TokenServiceClient } from '../../../../proto/generated/gatehouse/v1/TokenService.ts';
import { buildFixtureBundle } from '../../server/service-fixture.ts';
import type { OidcTestIssuer } from './oidc-test-issuer.ts';

/**
 * A Cedar policy for the planner/executor flow: planners get tokens (prod ones after approval),
 * use them for queries (DROP needs approval), reviewers review.
 */
export const TOKEN_FLOW_POLICY: Record<string, string> = {
  'gatehouse.yaml': 'name: token-flow\nengines: [cedar]\n',
  'policy.cedar': `@id("planners-issue")
permit (principal in Group::"planners", action == Action::"token.issue", resource)
when { context.ttlSeconds <= 600 };

@id("prod-tokens-need-approval")
@approval("tokens for prod need a reviewer")
permit (principal in Group::"planners", action == Action::"token.issue", resource)
when { resource has env && resource.env == "prod" };

@id("planners-query")
permit (principal in Group::"planners", action in [Action::"db.query", Action::"db.connect"], resource);

@id("drop-needs-approval")
@approval("DROP needs a reviewer")
permit (principal in Group::"planners", action == Action::"db.query", resource)
when { context has sql && context.sql.text like "DROP*" };

@id("reviewers-review")
permit (principal in Group::"reviewers", action == Action::"approval.review", resource);
`,
};

export interface TokenTestServer {
  server: RunningDecisionServer;
  subsystem: TokenSubsystem;
  auditPath: string;
  decision: DecisionServiceClient;
  tokens: TokenServiceClient;
  approvals: ApprovalServiceClient;
  close(): Promise<void>;
}

let bundlePath: string | undefined;

/** A real decision server with TokenService/ApprovalService wired as `serve` wires them. */
export async function startTokenServer(store: StateStore, idp: OidcTestIssuer, options: { env?: NodeJS.ProcessEnv } = {}): Promise<TokenTestServer> {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-tokens-'));
  if (!bundlePath) {
    await initFactExtractors();
    bundlePath = join(work, 'bundle.tar.gz');
    await buildFixtureBundle(work, 'policy', TOKEN_FLOW_POLICY, bundlePath);
  }
  const metrics = new ServiceMetrics({ defaultMetrics: false });
  const auditPath = join(work, 'audit.jsonl');
  const auditSink = await openFileAuditSink(auditPath, { source: 'gatehouse://test/tokens', registry: metrics.registry, required: true });
  const active = new ActiveBundle();
  const subsystem = await openTokenSubsystem({
    store,
    auditSink,
    decide: async (input) => {
      const bundle = active.current();
      if (!bundle) return { effect: 'deny', reasons: ['service: no active policy bundle'], obligations: {}, engines: [] };
      return evaluateRequest(bundle as unknown as PreparedBundle, input);
    },
    revision: () => active.current()?.revision ?? '',
    oidc: { issuer: idp.issuer, audience: idp.audience },
    env: options.env ?? {},
  });
  const server = await startDecisionServer({
    bundleSource: bundleFileSource(bundlePath),
    auditSink,
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    metrics,
    active,
    idempotency: store,
    tokenGate: subsystem.tokenGate,
    approvalGate: subsystem.approvalGate,
    extraServices: (registrar) => registerTokenAndApprovalServices(subsystem, registrar),
  });
  const { services } = loadGatehouseProtos();
  const credentials = grpc.credentials.createInsecure();
  const decision = new services.DecisionService(server.address, credentials);
  const tokens = new services.TokenService(server.address, credentials);
  const approvals = new services.ApprovalService(server.address, credentials);
  return {
    server,
    subsystem,
    auditPath,
    decision,
    tokens,
    approvals,
    close: async () => {
      decision.close();
      tokens.close();
      approvals.close();
      await server.close();
      subsystem.close();
    },
  };
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Promisifies a unary call of a generated client. */
export function call<Req, Res>(
  method: (request: Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: Res) => void) => unknown,
  request: Req,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, (error, response) => (error || response === undefined ? reject(error) : resolve(response)));
  });
}

export async function callError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!error) throw new Error('expected the call to fail');
  return error as grpc.ServiceError;
}
