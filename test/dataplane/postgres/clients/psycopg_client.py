"""What an application on psycopg 3 does, through the Gatehouse proxy.

Prepared statements (past psycopg's prepare threshold, with evictions that send protocol-level
Close), an error inside a transaction and the rollback after it (psycopg then sends DEALLOCATE
ALL), transactions with savepoints, executemany and pipeline mode, COPY to the client, DISCARD
ALL, and statements the policy refuses. Each step prints one JSON line {"step", "value"}; the
test (psycopg.test.ts) reads them. The connection comes from the libpq environment (PGHOST,
PGPORT, PGDATABASE, PGUSER, PGPASSWORD).
"""

import json

import psycopg
from psycopg import errors


def out(step, value):
    print(json.dumps({"step": step, "value": value}), flush=True)


def failure(error):
    return {"error": type(error).__name__, "sqlstate": error.sqlstate, "message": str(error).splitlines()[0]}


class Abandon(Exception):
    """Raised inside a transaction block to make psycopg roll it back."""


TOTAL = "SELECT total::text FROM orders WHERE id = %s"

with psycopg.connect(application_name="psycopg-interop") as conn:
    out("connected", {"server": conn.info.server_version, "status": conn.info.status.name})
    # Few cached statements: running more distinct ones evicts the oldest (protocol-level Close).
    conn.prepared_max = 2
    cur = conn.cursor()

    out("prepared", [cur.execute(TOTAL, (10 + i % 3,)).fetchone()[0] for i in range(7)])
    evicted = []
    for table in ("orders", "customers", "notes", "orders"):
        evicted.append(cur.execute(f"SELECT count(*) FROM {table} WHERE id > %s", (0,), prepare=True).fetchone()[0])
    out("evictions", evicted)

    out("masked", list(cur.execute("SELECT name, email FROM customers WHERE id = %s", (1,)).fetchone()))
    out("unmasked", cur.execute("SELECT name FROM customers WHERE id = %s", (2,)).fetchone()[0])
    conn.commit()

    # An error after prepared statements: rollback() sends ROLLBACK, then DEALLOCATE ALL.
    cur.execute(TOTAL, (10,), prepare=True)
    try:
        cur.execute("SELECT 1 / (id - id) FROM orders WHERE id = %s", (10,))
        out("error", "none")
    except errors.DivisionByZero as error:
        out("error", failure(error))
    out("status-after-error", conn.info.transaction_status.name)
    conn.rollback()
    out("after-rollback", cur.execute(TOTAL, (11,), prepare=True).fetchone()[0])
    conn.commit()

    # Transactions and savepoints (nested transaction blocks).
    with conn.transaction():
        cur.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (400, "outer"))
        try:
            with conn.transaction():
                cur.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (400, "duplicate"))
        except errors.UniqueViolation as error:
            out("savepoint-error", failure(error))
        cur.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (401, "after savepoint"))
    try:
        with conn.transaction():
            cur.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (402, "rolled back"))
            raise Abandon()
    except Abandon:
        pass
    out("transactions", [row[0] for row in cur.execute("SELECT id FROM notes WHERE id BETWEEN 400 AND 402 ORDER BY id")])
    conn.commit()

    cur.executemany("INSERT INTO notes (id, body) VALUES (%s, %s)", [(410 + i, f"many {i}") for i in range(5)])
    conn.commit()
    out("executemany", cur.execute("SELECT count(*) FROM notes WHERE id BETWEEN 410 AND 414").fetchone()[0])

    with conn.pipeline():
        first = conn.execute(TOTAL, (10,))
        second = conn.execute("SELECT name FROM customers WHERE id = %s", (3,))
        third = conn.execute(TOTAL, (12,))
    out("pipeline", [first.fetchone()[0], second.fetchone()[0], third.fetchone()[0]])
    conn.commit()

    with cur.copy("COPY (SELECT id, total FROM orders ORDER BY id) TO STDOUT") as copy:
        out("copy-out", [list(row) for row in copy.rows()])
    conn.commit()

    conn.autocommit = True
    conn.execute("DISCARD ALL")
    out("after-discard", cur.execute(TOTAL, (12,), prepare=True).fetchone()[0])

    refused = {}
    for name, sql in (
        ("drop", "DROP TABLE notes"),
        ("search_path", "SET search_path TO pg_temp, public"),
        ("role", "SET ROLE gatehouse"),
        ("standard_conforming_strings", "SET standard_conforming_strings = off"),
        ("client_encoding", "SET client_encoding TO 'SJIS'"),
    ):
        try:
            conn.execute(sql)
            refused[name] = "ran"
        except psycopg.Error as error:
            refused[name] = failure(error)
    out("refused", refused)
    out("still-usable", cur.execute(TOTAL, (10,)).fetchone()[0])
    out("encoding", conn.info.encoding)
