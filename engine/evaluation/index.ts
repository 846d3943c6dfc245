/** Pure evaluation: facts, Rego, Cedar, masking checks and combining decisions. What the layers above use (docs/architecture.md "Layers"). */
export * from './cedar/index.ts';
export * from './combine-decisions.ts';
export * from './facts/index.ts';
export * from './masking/check-mask-usage.ts';
export * from './policy-evaluator.ts';
export * from './rego/compile-rego.ts';
export * from './rego/wasm-rego-evaluator.ts';
export * from './toolchain/opa-cli.ts';
