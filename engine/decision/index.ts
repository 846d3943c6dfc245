/** The decision pipeline: the active bundle, idempotency, fair scheduling, the evaluation pool and the hooks it calls. What the layers above use (docs/architecture.md "Layers"). */
export * from './active-bundle.ts';
export * from './bundle-reloader.ts';
export * from './bundle-source.ts';
export * from './decide-call.ts';
export * from './decision-hooks.ts';
export * from './decision-pipeline.ts';
export * from './evaluation-pool/evaluation-pool.ts';
export * from './evaluation-pool/pooled-bundle-source.ts';
export * from './fair-scheduler.ts';
export * from './idempotency-store.ts';
export * from './request-errors.ts';
