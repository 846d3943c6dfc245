/** The policy-test runner (`gatehouse test`) and the self-test a bundle load runs. What the layers above use (docs/architecture.md "Layers"). */
export * from './junit-report.ts';
export * from './load-self-tested-bundle.ts';
export * from './test-policy-dir.ts';
export * from './test-run-summary.ts';
export * from './text-report.ts';
