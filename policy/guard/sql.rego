# db.query content guardrails on the facts the engine computes from context.sql.text
# (every statement, including writes hidden in CTEs and statements inside EXPLAIN):
# an allowlist of statement kinds per environment, kinds never allowed, no DDL that
# destroys data on production, no file/network/session-changing functions, approval for
# UPDATE/DELETE that touch every row, and masking of personal data outside privileged groups.
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

deny contains reason.make("sql/function", concat("", ["function ", name, " reaches files, the network or the server and is not allowed"])) if {
	some statement in statements
	some name in statement.functions
	denied_function(name)
}

denied_function(name) if name in data.sql.denied_functions

denied_function(name) if strings.any_prefix_match(name, data.sql.denied_function_prefixes)

deny contains reason.make("sql/catalog", concat("", ["table ", table, " holds credentials or server files"])) if {
	some statement in statements
	some table in statement.tables
	table in data.sql.denied_tables
}

# UPDATE/DELETE that touch every row (no WHERE, or a WHERE that names no column) wait for a reviewer.
approval contains reason.make("sql/unbounded-write", concat("", [upper(statement.kind), " without a WHERE clause touches every row"])) if {
	some statement in statements
	statement.kind in {"update", "delete"}
	unbounded(statement)
	inventory.env != "dev"
}

unbounded(statement) if statement.hasWhere == false

unbounded(statement) if statement.whereTrivial == true

# Outside production, DDL that destroys data runs in a maintenance window or with approval.
approval contains reason.make("sql/maintenance-window", concat("", [upper(statement.kind), " outside a maintenance window needs approval"])) if {
	some statement in statements
	statement.kind in data.sql.destructive_kinds
	not inventory.production
	not maintenance.open
}

mask contains column if {
	sql
	not inventory.privileged
	some column in data.sql.pii_columns
}

# A masked column may only be returned as is (the proxy masks it) or written; used in any
# other way (a filter, an expression, RETURNING, COPY) its value would leak around the mask.
deny contains reason.make("sql/masked-use", concat("", ["column ", column.name, " is masked for you and cannot be used in ", usage])) if {
	sql
	not inventory.privileged
	some statement in statements
	some column in statement.columns
	lower(column.name) in data.sql.pii_columns
	some usage in column.usage
	not usage in data.sql.masked_column_usages
}

deny contains reason.make("sql/masked-row", concat("", ["a whole row of ", object.get(column, "table", "a table"), " would carry masked columns; name the columns instead"])) if {
	sql
	not inventory.privileged
	some statement in statements
	some column in statement.columns
	column.name == "*"
	some usage in column.usage
	usage in {"wholerow", "returning", "copy"}
}
