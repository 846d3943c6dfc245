/** The gRPC edge: services, status codes, metadata, reflection and metrics. What the layers above use (docs/architecture.md "Layers"). */
export * from './decision-server.ts';
export * from './metrics-server.ts';
export * from './service-metrics.ts';
export * from './token-approval-services.ts';
