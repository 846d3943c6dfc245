/** The bundle format: build, sign, load and evaluate one request against a prepared bundle. What the layers above use (docs/architecture.md "Layers"). */
export * from './build-bundle.ts';
export * from './bundle-error.ts';
export * from './decision-test-error.ts';
export * from './decision-test-file.ts';
export * from './evaluate-request.ts';
export * from './load-bundle.ts';
export * from './parse-decision-test-file.ts';
export * from './policy-dir.ts';
export * from './prepared-bundle.ts';
