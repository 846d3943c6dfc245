/**
 * The three test tiers, by what a file needs to run:
 *
 * - unit: nothing but Node and the repository (no opa CLI, PostgreSQL, Kafka, sshd, no child
 *   process but the repository's own checkers in node_modules: tsc and Biome); it runs first in
 *   `npm test` and holds the static checks (test/repo: the layer and cycle rules, the linter,
 *   the typecheck), so they fail before any service starts.
 * - integration: real parts (the opa CLI, the services started by test/global-setup.ts,
 *   spawned CLIs and third-party clients). Every test file not listed elsewhere lands here, so
 *   a new file always runs, and it runs with the services up.
 * - e2e: the stack assembled as a user runs it (test/e2e/).
 *
 * A unit file is listed by name: a file moves into the unit tier when someone has checked it
 * needs nothing else (the unit project also hides the opa CLI and the services, so a listed file
 * that reaches for them fails there). test/repo/test-tiers.test.ts checks every test file
 * belongs to exactly one tier.
 */
export const ALL_TESTS = ['test/**/*.test.ts'];

export const UNIT_TESTS = [
  'test/engine/control/approvals/approval-binding.test.ts',
  'test/engine/control/approvals/approval-manager.test.ts',
  'test/audit/audit-proto-conformance.test.ts',
  'test/audit/chain-position.test.ts',
  'test/audit/file-audit-sink.test.ts',
  'test/audit/journal-tail-position.test.ts',
  'test/audit/redact-prefilter.test.ts',
  'test/audit/redact-secrets.test.ts',
  'test/audit/redaction-corpus.test.ts',
  'test/cli/audit-settings.test.ts',
  'test/dataplane/mcp/json-path-mask.test.ts',
  'test/dataplane/postgres/check-mask-usage.test.ts',
  'test/dataplane/postgres/scram-client.test.ts',
  'test/dataplane/postgres/statement-preview.test.ts',
  'test/dataplane/postgres/wire-codec.test.ts',
  'test/dataplane/ssh/known-hosts.test.ts',
  'test/dataplane/ssh/line-editor.test.ts',
  'test/engine/bundle/bundle-archive.test.ts',
  'test/engine/bundle/policy-dir.test.ts',
  'test/engine/evaluation/cedar/cedar-annotations.test.ts',
  'test/engine/evaluation/cedar/cedar-docs-example.test.ts',
  'test/engine/evaluation/cedar/cedar-entities.test.ts',
  'test/engine/evaluation/cedar/cedar-mapping.test.ts',
  'test/engine/evaluation/cedar/cedar-request-scope.test.ts',
  'test/engine/evaluation/cedar/cedar-validation.test.ts',
  'test/engine/evaluation/combine/combine-decisions.test.ts',
  'test/engine/evaluation/facts/compute-facts.test.ts',
  'test/engine/evaluation/facts/shell-facts.test.ts',
  'test/engine/evaluation/facts/sql-facts.test.ts',
  'test/engine/evaluation/facts/shell-getopt.test.ts',
  'test/engine/evaluation/facts/shell-wrapper-options.test.ts',
  'test/engine/control/identity/identity-form.test.ts',
  'test/proto/gatehouse-protos.test.ts',
  'test/proto/struct-json.test.ts',
  'test/repo/architecture.test.ts',
  'test/repo/self-contained.test.ts',
  'test/repo/error-model.test.ts',
  'test/repo/lint.test.ts',
  'test/repo/typecheck.test.ts',
  'test/engine/decision/decision-pipeline.test.ts',
  'test/engine/server/parse-decide-request.test.ts',
  'test/engine/control/state/memory-state-store.test.ts',
  'test/engine/testing/decision-tests-doc.test.ts',
  'test/engine/testing/match-expectation.test.ts',
  'test/engine/testing/parse-decision-test-file.test.ts',
  'test/engine/control/tokens/oidc-verifier.test.ts',
  'test/engine/control/tokens/scoped-token-gate.test.ts',
  'test/engine/control/tokens/signing-key-ring.test.ts',
  'test/engine/control/tokens/token-issue-effect.test.ts',
  'test/engine/control/tokens/verified-token-cache.test.ts',
];

export const E2E_TESTS = ['test/e2e/**/*.test.ts'];

/** Set in the unit project's environment: the opa lookup fails with this path in its message. */
export const UNIT_TIER_OPA = '/nonexistent/unit-tier-runs-without-the-opa-cli';
