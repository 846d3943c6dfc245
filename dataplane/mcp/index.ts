/** The MCP proxy. What the layers above use (docs/architecture.md "Layers"). */
export * from './mcp-proxy.ts';
export * from './tool-call-context.ts';
export * from './upstream-server.ts';
export * from './upstream-spec.ts';
