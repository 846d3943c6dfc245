/** Audit events, sinks, the hash-chained journal, verification and replay inputs. What the layers above use (docs/architecture.md "Layers"). */
export * from './audit-event.ts';
export * from './audit-sink.ts';
export * from './audit-source-reader.ts';
export * from './create-audit-sink.ts';
export * from './decision-event.ts';
export * from './kafka-audit-sink.ts';
export * from './ocsf-event.ts';
export * from './redact-secrets.ts';
export * from './replay-decisions.ts';
export * from './session-replay.ts';
export * from './upgrade-event-line.ts';
export * from './verify-chain.ts';
