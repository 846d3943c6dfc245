/** The data-plane SDK: the only way a data plane talks to the decision service (gRPC). What the layers above use (docs/architecture.md "Layers"). */
export * from './data-plane-decision.ts';
export * from './fair-decision-client.ts';
export * from './grpc-decision-client.ts';
