import pg from 'pg';
import type { UpstreamTarget } from './upstream/upstream-connection.ts';
import { GatehouseError } from '../../engine/model/index.ts';

/** What the proxy's own upstream role can do that no policy decision could limit. */
export interface UpstreamRolePrivileges {
  role: string;
  /** The role, or a role it can become with SET ROLE, is a superuser. */
  superuser: boolean;
  /** The role, or a role it can become, bypasses row-level security. */
  bypassRls: boolean;
}

export class PrivilegedUpstreamError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_PG_PRIVILEGED_UPSTREAM', message);
    this.name = 'PrivilegedUpstreamError';
  }
}

/**
 * Asks the upstream, as the proxy's role, which of the dangerous attributes it holds itself or
 * through membership (a member can SET ROLE to its superuser role, so membership counts).
 */
export async function readUpstreamPrivileges(target: UpstreamTarget): Promise<UpstreamRolePrivileges> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: target.sslmode === 'require' ? { rejectUnauthorized: false } : undefined,
    application_name: 'gatehouse-proxy-privilege-check',
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query<{ role: string; superuser: boolean | null; bypass: boolean | null }>(
      `SELECT current_user AS role, bool_or(r.rolsuper) AS superuser, bool_or(r.rolbypassrls) AS bypass
         FROM pg_catalog.pg_roles r
        WHERE pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')`,
    );
    const row = result.rows[0];
    if (!row) throw new PrivilegedUpstreamError('the upstream did not report the proxy role\'s privileges');
    return { role: row.role, superuser: row.superuser === true, bypassRls: row.bypass === true };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Refuses an upstream role that could undo what the proxy enforces: a superuser reads every
 * file and column and can change any setting; BYPASSRLS ignores row-level security. Unless
 * `allowPrivileged` (an explicit operator choice), such a role stops the proxy from starting.
 */
export async function checkUpstreamRole(target: UpstreamTarget, allowPrivileged: boolean): Promise<UpstreamRolePrivileges> {
  let privileges: UpstreamRolePrivileges;
  try {
    privileges = await readUpstreamPrivileges(target);
  } catch (error) {
    if (error instanceof PrivilegedUpstreamError) throw error;
    throw new PrivilegedUpstreamError(
      `cannot check the upstream role's privileges (${error instanceof Error ? error.message : String(error)}); the proxy does not start without knowing them`,
    );
  }
  const held = [privileges.superuser ? 'SUPERUSER' : undefined, privileges.bypassRls ? 'BYPASSRLS' : undefined].filter((x) => x !== undefined);
  if (held.length > 0 && !allowPrivileged) {
    throw new PrivilegedUpstreamError(
      `the upstream role "${privileges.role}" has ${held.join(' and ')} (itself or through a role it is a member of): ` +
        'connect the proxy as a dedicated role without them (docs/postgres-proxy.md, "Least privilege upstream"), ' +
        'or pass --allow-privileged-upstream true to accept the risk',
    );
  }
  return privileges;
}
