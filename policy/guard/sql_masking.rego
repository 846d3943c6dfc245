# Masking of personal data outside privileged groups. A mask applies to the personal-data
# columns the statement reads (named, or inside `*` of a relation that has them). A masked
# column may only be returned as is (the proxy masks it) or written; used in any other way (a
# filter, an expression, RETURNING, COPY, a whole row) its value would leak around the mask.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.reason

pii(name) if lower(name) in data.sql.pii_columns

mask contains lower(column.name) if {
	sql
	not inventory.privileged
	some statement in statements
	some column in statement.columns
	pii(column.name)
}

mask contains name if {
	sql
	not inventory.privileged
	some statement in statements
	some column in statement.columns
	column.name == "*"
	some name in relation_pii(column)
}

# The personal-data columns a `*` of this relation may carry: those the catalog lists for it
# (context.sql.catalog, sent by the proxy), else every one.
relation_pii(column) := {lower(c) | some c in sql.catalog[column.table]; pii(c)} if {
	is_string(column.table)
	is_array(sql.catalog[column.table])
} else := {c | some c in data.sql.pii_columns}

deny contains reason.make("sql/masked-use", concat("", ["column ", column.name, " is masked for you and cannot be used in ", usage])) if {
	sql
	not inventory.privileged
	some statement in statements
	some column in statement.columns
	pii(column.name)
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
	count(relation_pii(column)) > 0
}

# With the catalog (the proxy sends it), a relation it does not list as a table is a view or
# something else whose columns may carry masked values under other names: while personal data
# is masked, it is refused rather than guessed about. Catalog relations (psql, drivers) are not
# personal data.
deny contains reason.make("sql/masked-relation", concat("", ["relation ", table, " is not a table whose columns can be masked (a view?); it cannot be read while personal data is masked for you"])) if {
	sql
	not inventory.privileged
	is_object(sql.catalog)
	some statement in statements
	not statement.kind in masked_relation_exempt_kinds
	some table in statement.tables
	not is_array(object.get(sql.catalog, table, null))
	not catalog_relation(statement, table)
}

# Statements that change a relation's definition or storage without returning its rows (pgbench
# -i drops, creates, vacuums and keys its tables): a relation that does not exist yet is no view.
masked_relation_exempt_kinds := {"drop", "create", "truncate", "alter", "create_index", "vacuum", "analyze"}
