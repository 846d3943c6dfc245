/** The control plane: scoped tokens, identity, approvals and their state; no gRPC. What the layers above use (docs/architecture.md "Layers"). */
export * from './approvals/approval-errors.ts';
export * from './approvals/approval-manager.ts';
export * from './identity/identity-form.ts';
export * from './identity/oidc-verifier.ts';
export * from './state/create-state-store.ts';
export * from './state/state-store.ts';
export * from './tokens/scoped-token-gate.ts';
export * from './tokens/token-audit-event.ts';
export * from './tokens/token-authority.ts';
export * from './tokens/token-issuer.ts';
export * from './tokens/token-subsystem.ts';
