// The model every layer shares: the request, decisions and obligations, JSON values, the error
// base and its codes. Layers above import from here, not from the files (the dependency rules
// check it).
export * from './decision.ts';
export * from './error-codes.ts';
export * from './gatehouse-error.ts';
export * from './json.ts';
export * from './mask-obligation.ts';
export * from './request.ts';
export * from './resource-ref.ts';
