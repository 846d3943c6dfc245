import type { TokenSubsystem } from '../control/index.ts';
import { APPROVAL_SERVICE_NAME, approvalServiceHandlers } from './approval-service.ts';
import type { ServiceRegistrar } from './decision-server.ts';
import { TOKEN_SERVICE_NAME, tokenServiceHandlers } from './token-service.ts';

/**
 * Registers TokenService and ApprovalService for an open token subsystem and marks them serving.
 * Pass as startDecisionServer's `extraServices`: `(registrar) => registerTokenAndApprovalServices(tokens, registrar)`.
 */
export function registerTokenAndApprovalServices(tokens: TokenSubsystem, { server, protos, health }: ServiceRegistrar): void {
  const { options, oidc, onError } = tokens;
  server.addService(
    protos.services.TokenService.service,
    tokenServiceHandlers({
      authority: tokens.authority,
      store: options.store,
      approvals: tokens.approvals,
      audit: options.auditSink,
      oidc,
      decide: options.decide,
      ...(options.revision ? { revision: options.revision } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      onError,
    }),
  );
  server.addService(
    protos.services.ApprovalService.service,
    approvalServiceHandlers({ approvals: tokens.approvals, oidc, ...(options.clock ? { clock: options.clock } : {}), onError }),
  );
  health.setStatus(TOKEN_SERVICE_NAME, 'SERVING');
  health.setStatus(APPROVAL_SERVICE_NAME, 'SERVING');
}
