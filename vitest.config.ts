import { defineConfig } from 'vitest/config';
import { ALL_TESTS, E2E_TESTS, UNIT_TESTS, UNIT_TIER_OPA } from './test/tiers.ts';

// Three projects, run in order (sequence.groupOrder): unit (no services, seconds), then
// integration and e2e, which start real services (opa builds, PostgreSQL, Kafka, sshd) in their
// global setup. The machine has two cores, so files run with limited parallelism and generous
// timeouts. `npm test` runs the unit tier alone first (scripts/test-tiers) so it fails before
// any service starts; `npx vitest run FILE` picks the file's project.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.GATEHOUSE_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.GATEHOUSE_TEST_REPORT }]]
      : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT_TESTS,
          sequence: { groupOrder: 0 },
          // A unit file that reaches for the opa CLI or a service fails here, naming the tier.
          env: { GATEHOUSE_OPA: UNIT_TIER_OPA, GATEHOUSE_TEST_TIER: 'unit' },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ALL_TESTS,
          exclude: [...UNIT_TESTS, ...E2E_TESTS],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: E2E_TESTS,
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
