# What the PostgreSQL clients people use send on their own, beyond the general lists in sql.rego:
# - catalog functions of psql's `\d` (pg_partition_ancestors) and of the JDBC driver's
#   DatabaseMetaData (information_schema._pg_expandarray in getPrimaryKeys and getIndexInfo), in
#   data.sql.client_catalog_functions; both read only the catalog;
# - COPY on production only towards the client (`COPY … TO STDOUT`, psql's `\copy … to`): a
#   read like SELECT, with masked columns refused as in any COPY. `COPY … FROM STDIN` stays off
#   production: its rows reach the table without passing the proxy's statement record.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.reason

safe_function(name) if name in data.sql.client_catalog_functions

safe_function(name) if {
	startswith(name, "pg_catalog.")
	substring(name, count("pg_catalog."), -1) in data.sql.client_catalog_functions
}

deny contains reason.make("sql/production-copy-in", "COPY ... FROM STDIN is not allowed on production (its rows are not recorded); use INSERT") if {
	inventory.production
	some statement in statements
	statement.kind == "copy"
	not copy_to_client(statement)
}

copy_to_client(statement) if {
	statement.copy.direction == "to"
	statement.copy.target == "stdout"
}
