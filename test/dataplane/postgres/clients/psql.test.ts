import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deniedStatements, MASKED_VALUES, ORDERS_SEED, PAYMENTS_PLANNER, runClient, startClientStack, type ClientProxy, type ClientStack, type ProgramRun } from './client-stack.ts';

/**
 * psql (the PostgreSQL 15 client of the machine) through `gatehouse proxy postgres` with the
 * example policy: its meta-commands (`\d`, `\dt`, `\x`, `\copy`), and its tab completion driven
 * through a pseudo-terminal, on the production database (and staging for `\copy … from`) for a
 * planner who sees no personal data.
 */
let stack: ClientStack;
let orders: ClientProxy;
let staging: ClientProxy;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-psql-'));
  stack = await startClientStack({
    groups: PAYMENTS_PLANNER,
    resources: [
      { resource: 'orders', seed: ORDERS_SEED },
      { resource: 'orders-staging', seed: ORDERS_SEED },
    ],
  });
  orders = stack.proxy('orders');
  staging = stack.proxy('orders-staging');
}, 300_000);

afterAll(async () => {
  await stack?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** psql -X with meta-commands and statements as separate -c arguments, errors not stopping it. */
function psql(proxy: ClientProxy, commands: string[]): Promise<ProgramRun> {
  return runClient('psql', ['-X', '-v', 'ON_ERROR_STOP=0', ...commands.flatMap((c) => ['-c', c])], proxy.libpqEnv(), { cwd: work });
}

async function why(proxy: ClientProxy, run: ProgramRun): Promise<string> {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- refused\n${await deniedStatements(proxy)}`;
}

describe('psql meta-commands through the proxy with the example policy', () => {
  it('\\dt lists the tables', async () => {
    const run = await psql(orders, ['\\dt']);
    expect(run.stderr, await why(orders, run)).toBe('');
    expect(run.stdout).toMatch(/public \| customers \| table/);
    expect(run.stdout).toMatch(/public \| orders +\| table/);
  });

  it('\\d shows columns, indexes and foreign keys in both directions', async () => {
    const run = await psql(orders, ['\\d orders', '\\d customers']);
    expect(run.stderr, await why(orders, run)).toBe('');
    expect(run.stdout).toContain('Table "public.orders"');
    expect(run.stdout).toMatch(/placed_at +\| timestamp with time zone/);
    expect(run.stdout).toContain('"orders_pkey" PRIMARY KEY, btree (id)');
    expect(run.stdout).toContain('"orders_customer_idx" btree (customer_id)');
    expect(run.stdout).toContain('FOREIGN KEY (customer_id) REFERENCES customers(id)');
    expect(run.stdout).toContain('Referenced by:');
  });

  it('other catalog meta-commands run: \\d+, \\di, \\dn, \\l, \\du, \\df, \\conninfo', async () => {
    const run = await psql(orders, ['\\d+ customers', '\\di', '\\dn', '\\l', '\\du', '\\df', '\\conninfo']);
    expect(run.stderr, await why(orders, run)).toBe('');
    expect(run.stdout).toContain('orders_customer_idx');
    expect(run.stdout).toContain('You are connected to database "orders"');
  });

  it('\\x shows a masked read in expanded form without the value', async () => {
    const run = await psql(orders, ['\\x', 'SELECT * FROM customers WHERE id = 1']);
    expect(run.stderr, await why(orders, run)).toBe('');
    expect(run.stdout).toContain('Expanded display is on.');
    expect(run.stdout).toMatch(/email \| \*{8}/);
    for (const value of MASKED_VALUES) expect(run.stdout).not.toContain(value);
  });

  it('\\copy … to a file and to stdout on production; a whole row with personal data is refused', async () => {
    const run = await psql(orders, [
      '\\set VERBOSITY verbose',
      "\\copy orders (id, total) to 'orders.csv' csv",
      '\\copy (SELECT id, name FROM customers ORDER BY id) to stdout',
      '\\copy customers to stdout',
    ]);
    expect(await readFile(join(work, 'orders.csv'), 'utf8'), await why(orders, run)).toBe('10,12.50\n11,99.00\n12,7.25\n');
    expect(run.stdout).toBe('COPY 3\n1\tAnn\n2\tBob\n3\tCy\n');
    expect(run.stderr).toContain('ERROR:  42501: denied by policy: rego:gatehouse/sql/masked-row: a whole row of customers would carry masked columns');
    expect(run.stderr.match(/ERROR:/g)).toHaveLength(1);
  });

  it('\\copy … from a file loads rows on staging; production refuses it (the rows would not be recorded)', async () => {
    await writeFile(join(work, 'notes.tsv'), '20\tloaded one\n21\tloaded two\n');
    const loaded = await psql(staging, ["\\copy notes from 'notes.tsv'"]);
    expect(loaded.stderr, await why(staging, loaded)).toBe('');
    expect(loaded.stdout.trim()).toBe('COPY 2');
    const refused = await psql(orders, ["\\copy notes from 'notes.tsv'"]);
    expect(refused.stderr).toContain('COPY ... FROM STDIN is not allowed on production');
    for (const [proxy, expected] of [
      [staging, [20, 21]],
      [orders, []],
    ] as const) {
      const direct: pg.Client = await proxy.direct();
      try {
        const rows = await direct.query<{ id: number }>('SELECT id FROM notes WHERE id IN (20, 21) ORDER BY id');
        expect(rows.rows.map((r) => r.id)).toEqual(expected);
      } finally {
        await direct.end();
      }
    }
  });
});

describe('psql tab completion through the proxy', () => {
  it('completes tables, columns and relations from the catalog, and none of its queries is refused', async () => {
    const before = (await orders.sessionEvents()).length;
    const run = await runClient(
      'python3',
      [
        join(import.meta.dirname, 'psql_tab_completion.py'),
        'SELECT * FROM cu\\t', 'customers',
        '\\x15SELECT * FROM orders WHERE \\t\\t', 'placed_at',
        '\\x15\\\\d \\t\\t', 'orders_customer_idx',
        '\\x15ALTER TABLE notes \\t\\t', 'RENAME',
      ],
      { ...orders.libpqEnv(), TERM: 'xterm' },
      { cwd: work },
    );
    expect(run.code, await why(orders, run)).toBe(0);
    const events = (await orders.sessionEvents()).slice(before).filter((event) => event.data.event === 'statement');
    const texts = events.map((event) => String(event.data.text));
    expect(texts.some((text) => text.includes('pg_catalog.pg_class'))).toBe(true);
    expect(texts.some((text) => text.includes('pg_catalog.pg_attribute'))).toBe(true);
    expect(events.filter((event) => event.data.outcome !== 'ok').map((event) => event.data.text)).toEqual([]);
  });
});
