import type pg from 'pg';
import { waitUntil } from '../../support/wait-until.ts';

/**
 * Waits until a statement whose text contains `marker` is running on the upstream server (seen
 * in pg_stat_activity over a direct connection), so a test cancels or disconnects a query that
 * really started instead of sleeping and hoping it had. The marker must not start with
 * `gatehouse_`: the proxy refuses statements naming its reserved objects.
 */
export async function waitForActiveStatement(direct: pg.Client, marker: string): Promise<void> {
  await waitUntil(`a statement containing ${marker} to run upstream`, async () => {
    const result = await direct.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND position($1 in query) > 0",
      [marker],
    );
    return result.rows[0]!.n > 0;
  });
}
