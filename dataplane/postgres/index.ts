/** The PostgreSQL proxy. What the layers above use (docs/architecture.md "Layers"). */
export * from './column-origins.ts';
export * from './postgres-proxy.ts';
export * from './session-limits.ts';
export * from './upstream-privileges.ts';
export * from './upstream/upstream-connection.ts';
