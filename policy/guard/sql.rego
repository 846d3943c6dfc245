# db.query content guardrails on the facts the engine computes from context.sql.text
# (every statement, including writes hidden in CTEs and statements inside EXPLAIN):
# an allowlist of statement kinds per environment, kinds never allowed, no DDL that
# destroys data on production, functions allow-listed on production, catalog reads limited to
# what clients need, approval for UPDATE/DELETE not bounded by a key. Settings are in
# sql_session.rego, masking of personal data in sql_masking.rego.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.maintenance
import data.gatehouse.reason

sql := input.context.sql if input.action == "db.query"

statements := object.get(sql, "statements", [])

deny contains reason.make("sql/facts", "db.query needs context.sql (the statement text)") if {
	input.action == "db.query"
	not sql_present
}

sql_present if is_object(input.context.sql)

deny contains reason.make("sql/parse", concat("", ["the statement does not parse: ", sql.parseError])) if {
	is_string(sql.parseError)
}

deny contains reason.make("sql/empty", "there is no statement to run") if {
	sql
	not sql.parseError
	count(statements) == 0
}

deny contains reason.make("sql/never", concat("", [statement.kind, " statements are never allowed"])) if {
	some statement in statements
	statement.kind in data.sql.never_kinds
}

deny contains reason.make("sql/kind", concat("", [statement.kind, " statements are not allowed on ", inventory.env])) if {
	some statement in statements
	not statement.kind in data.sql.never_kinds
	not statement.kind in object.get(data.sql.allowed_kinds, inventory.env, [])
	not destructive_on_production(statement)
}

destructive_on_production(statement) if {
	inventory.production
	statement.kind in data.sql.destructive_kinds
}

deny contains reason.make("sql/production-ddl", concat("", [upper(statement.kind), " is not allowed on production"])) if {
	some statement in statements
	destructive_on_production(statement)
}

deny contains reason.make("sql/copy-program", "COPY ... PROGRAM runs a command on the database server") if {
	some statement in statements
	statement.copy.program == true
}

deny contains reason.make("sql/copy-file", concat("", ["COPY to or from a server file (", statement.copy.target, ") is not allowed"])) if {
	some statement in statements
	statement.copy.program == false
	not statement.copy.target in {"stdin", "stdout"}
}

# Functions: on production only the known-safe list (data.sql.safe_functions) runs; anywhere,
# the functions that reach files, the network, the server or other sessions are denied.
deny contains reason.make("sql/function", concat("", ["function ", name, " reaches files, the network or the server and is not allowed"])) if {
	some statement in statements
	some name in statement.functions
	denied_function(name)
}

deny contains reason.make("sql/function-not-listed", concat("", ["function ", name, " is not on the list of functions allowed on production"])) if {
	inventory.production
	some statement in statements
	some name in statement.functions
	not denied_function(name)
	not safe_function(name)
}

denied_function(name) if name in data.sql.denied_functions

denied_function(name) if strings.any_prefix_match(name, data.sql.denied_function_prefixes)

safe_function(name) if name in data.sql.safe_functions

safe_function(name) if {
	startswith(name, "pg_catalog.")
	substring(name, count("pg_catalog."), -1) in data.sql.safe_functions
}

deny contains reason.make("sql/catalog", concat("", ["table ", table, " holds credentials or server files"])) if {
	some statement in statements
	some table in statement.tables
	table in data.sql.denied_tables
}

# Catalog reads are limited to what psql (\d, \dt, tab completion) and drivers (type lookups)
# read; none of those holds values of other tables (pg_stats does: it is not listed).
deny contains reason.make("sql/catalog-read", concat("", ["catalog relation ", table, " is not among those psql and drivers need"])) if {
	some statement in statements
	some table in statement.tables
	catalog_relation(statement, table)
	not table in data.sql.denied_tables
	not table in data.sql.catalog_relations
}

catalog_relation(_, table) if startswith(table, "pg_")

catalog_relation(statement, _) if {
	some schema in object.get(statement, "schemas", [])
	schema in {"pg_catalog", "information_schema"}
}

# UPDATE/DELETE run at once only when the WHERE bounds the rows by a key compared with
# constants (key = 1, key IN (1, 2, 3)); any other WHERE (id IS NOT NULL, id = id, EXISTS …)
# may touch every row and waits for a reviewer.
approval contains reason.make("sql/unbounded-write", concat("", [upper(statement.kind), " does not bound its rows by a key (", keys_text, " = constant); a reviewer must approve"])) if {
	some statement in statements
	statement.kind in {"update", "delete"}
	not key_bounded(statement)
	inventory.env != "dev"
}

keys_text := concat(" or ", data.sql.key_columns)

key_bounded(statement) if {
	some bound in object.get(statement, "whereBounds", [])
	key_column(bound)
	bound.values <= data.sql.max_key_values
}

key_column(bound) if bound.column in data.sql.key_columns

# A single-column unique key of the written table, as the proxy read it from the catalog
# (context.sql.keys): pgbench's `WHERE aid = :aid` is bounded too.
key_column(bound) if {
	keys := object.get(object.get(sql, "keys", {}), object.get(bound, "table", ""), [])
	is_array(keys)
	bound.column in keys
}

# Outside production, DDL that destroys data runs in a maintenance window or with approval.
approval contains reason.make("sql/maintenance-window", concat("", [upper(statement.kind), " outside a maintenance window needs approval"])) if {
	some statement in statements
	statement.kind in data.sql.destructive_kinds
	not inventory.production
	not maintenance.open
}
