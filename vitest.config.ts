import { defineConfig } from 'vitest/config';

// Integration suites start real services (opa builds, PostgreSQL, Kafka, sshd); the
// machine has two cores, so files run with limited parallelism and generous timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.GATEHOUSE_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.GATEHOUSE_TEST_REPORT }]]
      : ['default'],
  },
});
