/** The SSH proxy. What the layers above use (docs/architecture.md "Layers"). */
export * from './asciicast.ts';
export * from './host-key.ts';
export * from './known-hosts.ts';
export * from './ssh-proxy.ts';
export * from './upstream-connection.ts';
export * from './upstream-shell.ts';
