import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUpstreamRole, PrivilegedUpstreamError } from '../../../dataplane/postgres/upstream-privileges.ts';
import { parseUpstreamUrl } from '../../../dataplane/postgres/upstream/upstream-connection.ts';
import { serviceEnv } from '../../support/services.ts';
import { freePort } from '../../support/free-port.ts';
import { proxyClient, startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';

// The proxy connects upstream as a dedicated role without SUPERUSER or BYPASSRLS, with column
// privileges as a second line for personal data; it refuses to start as a privileged role.

const GATEHOUSE = resolve(import.meta.dirname, '../../../bin/gatehouse');

/** A policy that allows every statement, masks nothing: only the database's privileges stand in the way. */
const ALLOW_ALL = `package gatehouse

import rego.v1

decision := {"effect": "allow", "reasons": ["allowed"]}
`;

/** The documented column GRANTs (docs/postgres-proxy.md): users.email is never readable by the proxy. */
const COLUMN_GRANTS = `
GRANT USAGE ON SCHEMA public TO gatehouse_proxy;
GRANT SELECT (id, name, age) ON users TO gatehouse_proxy;
GRANT UPDATE (name, age) ON users TO gatehouse_proxy;
GRANT SELECT, INSERT, UPDATE, DELETE ON orders, scratch TO gatehouse_proxy;
`;

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL proxy: the upstream role', () => {
  const roles: string[] = [];
  const adminUrl = () => serviceEnv('GATEHOUSE_PG_URL');

  /** A throwaway login role on the test cluster with `attributes`, and its URL. */
  async function role(attributes: string, memberOf?: string): Promise<string> {
    const name = `gh_role_${process.pid}_${roles.length}_${randomBytes(3).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await admin(adminUrl(), async (c) => {
      await c.query(`CREATE ROLE ${name} LOGIN ${attributes} PASSWORD '${password}'`);
      if (memberOf) await c.query(`GRANT ${memberOf} TO ${name}`);
    });
    roles.push(name);
    const url = new URL(adminUrl());
    url.username = name;
    url.password = password;
    return url.toString();
  }

  afterAll(async () => {
    await admin(adminUrl(), async (c) => {
      for (const name of roles.reverse()) await c.query(`DROP ROLE IF EXISTS ${name}`);
    });
  });

  it('the gatehouse_proxy role from scripts/services is accepted', async () => {
    const privileges = await checkUpstreamRole(parseUpstreamUrl(serviceEnv('GATEHOUSE_PG_PROXY_URL')), false);
    expect(privileges).toEqual({ role: 'gatehouse_proxy', superuser: false, bypassRls: false });
  });

  it.each([
    // A superuser is a member of every role, so it also holds BYPASSRLS (as it does in effect).
    ['a superuser', 'SUPERUSER', undefined, 'SUPERUSER and BYPASSRLS'],
    ['a role with BYPASSRLS', 'BYPASSRLS', undefined, 'BYPASSRLS'],
  ])('%s is refused unless explicitly allowed', async (_what, attributes, memberOf, held) => {
    const url = parseUpstreamUrl(await role(attributes, memberOf));
    const refused = checkUpstreamRole(url, false);
    await expect(refused).rejects.toBeInstanceOf(PrivilegedUpstreamError);
    await expect(refused).rejects.toThrow(`has ${held} (itself or through a role it is a member of)`);
    await expect(refused).rejects.toThrow('--allow-privileged-upstream true');
    await expect(checkUpstreamRole(url, true)).resolves.toMatchObject({ role: url.user });
  });

  it('a role that can SET ROLE to a superuser is refused too', async () => {
    const adminRole = decodeURIComponent(new URL(adminUrl()).username);
    const url = parseUpstreamUrl(await role('NOSUPERUSER', adminRole));
    await expect(checkUpstreamRole(url, false)).rejects.toThrow(/has SUPERUSER/);
  });

  it('gatehouse proxy postgres does not start on the superuser, with one line saying why', async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      GATEHOUSE_PROXY_LISTEN: `127.0.0.1:${port}`,
      GATEHOUSE_PROXY_UPSTREAM: adminUrl(),
      GATEHOUSE_PROXY_RESOURCE: 'orders',
      GATEHOUSE_PROXY_DECISION: '127.0.0.1:1',
      GATEHOUSE_PROXY_AUDIT: 'file:/tmp/gatehouse-least-privilege-unused.jsonl',
    };
    const run = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [GATEHOUSE, 'proxy', 'postgres'], { env, timeout: 60_000 }, (error, _stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(run.code).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gatehouse: proxy postgres: the upstream role "gatehouse" has SUPERUSER.*--allow-privileged-upstream true to accept the risk \[GATEHOUSE_PG_PRIVILEGED_UPSTREAM\]$/);
    expect(run.stderr).not.toContain(new URL(adminUrl()).password);

    const bad = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [GATEHOUSE, 'proxy', 'postgres', '--allow-privileged-upstream', 'maybe'], { env, timeout: 60_000 }, (error, _stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("gatehouse: proxy postgres: --allow-privileged-upstream must be true or false, got 'maybe' [GATEHOUSE_USAGE]");
  });

  it('startPostgresProxy with the superuser starts only with allowPrivilegedUpstream', async () => {
    await expect(startProxyHarness({ superuserUpstream: true })).rejects.toThrow(/has SUPERUSER/);
    const h = await startProxyHarness({ superuserUpstream: true, allowPrivilegedUpstream: true });
    try {
      const client = proxyClient(h, await h.issue());
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await h.close();
    }
  });
});

describe('PostgreSQL proxy: column privileges as a second line', () => {
  let h: ProxyHarness;

  beforeAll(async () => {
    h = await startProxyHarness({ policyRego: ALLOW_ALL, grants: COLUMN_GRANTS });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('runs as gatehouse_proxy, not as a superuser', async () => {
    const client = proxyClient(h, await h.issue());
    await client.connect();
    try {
      const rows = (await client.query("SELECT current_user AS who, current_setting('is_superuser') AS superuser")).rows;
      expect(rows).toEqual([{ who: 'gatehouse_proxy', superuser: 'off' }]);
    } finally {
      await client.end();
    }
  });

  it('a masked column stays unreadable even when policy lets a statement through', async () => {
    const client = proxyClient(h, await h.issue());
    await client.connect();
    try {
      expect((await client.query('SELECT id, name FROM users ORDER BY id')).rows).toEqual([
        { id: 1, name: 'Alice' },
        { id: 2, name: 'Bob' },
        { id: 3, name: 'Carol' },
      ]);
      for (const sql of ['SELECT email FROM users', 'SELECT * FROM users', 'SELECT row_to_json(u) FROM users u', 'SELECT u.to_jsonb FROM users u', "UPDATE users SET email = 'x' WHERE id = 1"]) {
        const failure = await client.query(sql).then(
          () => undefined,
          (error: { code?: string; message: string }) => error,
        );
        expect(failure?.code, sql).toBe('42501');
        expect(failure?.message, sql).toMatch(/permission denied/);
      }
      // Nothing changed behind the proxy, and the value never reached the client.
      const direct = await admin(h.directUrl, (c) => c.query<{ email: string }>('SELECT email FROM users WHERE id = 1'));
      expect(direct.rows).toEqual([{ email: 'alice@example.com' }]);
    } finally {
      await client.end();
    }
  });

  it('pg_read_file and pg_stats are closed to the role', async () => {
    const client = proxyClient(h, await h.issue());
    await client.connect();
    try {
      await admin(h.directUrl, (c) => c.query('ANALYZE users'));
      const file = await client.query("SELECT pg_read_file('/etc/passwd')").then(
        () => undefined,
        (error: { code?: string }) => error,
      );
      expect(file?.code).toBe('42501');
      // pg_stats shows only columns the role may read: email's statistics stay hidden.
      const stats = (await client.query<{ attname: string }>("SELECT attname FROM pg_stats WHERE tablename = 'users' ORDER BY attname")).rows;
      expect(stats.map((r) => r.attname)).not.toContain('email');
    } finally {
      await client.end();
    }
  });
});
