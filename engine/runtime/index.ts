/** Node platform helpers every layer may use (Unix-socket files). What the layers above use (docs/architecture.md "Layers"). */
export * from './unix-socket-file.ts';
