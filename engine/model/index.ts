// The model every layer shares: the request, decisions and obligations, JSON values. Layers
// above import from here, not from the files (the dependency rules check it).
export * from './decision.ts';
export * from './json.ts';
export * from './mask-obligation.ts';
export * from './request.ts';
export * from './resource-ref.ts';
