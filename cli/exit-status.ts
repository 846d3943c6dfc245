import type { ErrorCode } from '../engine/model/index.ts';

/**
 * The exit status of a command that failed with an error code: 2 when the input is wrong (the
 * command line, or a policy `gatehouse test` cannot load), 1 for every other failure. Statuses
 * a command returns as its result (`gatehouse test` 1 "a test failed", replay 3 "decisions
 * changed", token 4 "approval pending") are not errors and are not here.
 */
const EXIT_STATUS: Partial<Record<ErrorCode, number>> = {
  GATEHOUSE_USAGE: 2,
  GATEHOUSE_POLICY_LOAD: 2,
};

export function exitStatusOf(code: ErrorCode): number {
  return EXIT_STATUS[code] ?? 1;
}
