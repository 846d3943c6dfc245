import { loadServicesEnv } from '../global-setup.ts';

export type ServiceVariable =
  | 'GATEHOUSE_KAFKA'
  | 'GATEHOUSE_PG_URL'
  | 'GATEHOUSE_PG_PROXY_URL'
  | 'GATEHOUSE_SSH_TARGET'
  | 'GATEHOUSE_SSH_KEY'
  | 'GATEHOUSE_SSH_KNOWN_HOSTS';

/**
 * The address of a real service started by `scripts/services up` (test/global-setup.ts).
 * Throws, failing the suite loudly, when the service is not up: tests never skip for it.
 */
export function serviceEnv(name: ServiceVariable): string {
  if (process.env.GATEHOUSE_TEST_TIER === 'unit') {
    throw new Error(`${name}: the unit tier runs without services; take this file out of UNIT_TESTS in test/tiers.ts`);
  }
  const value = process.env[name] ?? loadServicesEnv()[name];
  if (!value) {
    throw new Error(`${name} is not set: run 'scripts/services up' (var/services.env has no ${name}); the service did not start`);
  }
  return value;
}
