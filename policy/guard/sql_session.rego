# Session settings. A statement may change only the settings drivers and ORMs set up
# (data.sql.session_settings: application_name, DateStyle, TimeZone, …). Settings that change how
# PostgreSQL reads text (standard_conforming_strings, client_encoding, backslash_quote) or the
# security context (search_path, role, session_authorization, session_replication_role) are
# refused however they are changed: SET, RESET, set_config(), UPDATE pg_settings, ALTER … SET,
# or a DO block or function that could run any of them (the engine reports those as "*").
package gatehouse.guard

import data.gatehouse.reason

deny contains reason.make("sql/setting", concat("", ["changing the setting ", name, " is not allowed through Gatehouse"])) if {
	some statement in statements
	some name in object.get(statement, "settings", [])
	name != "*"
	not allowed_setting(statement, name)
}

deny contains reason.make("sql/setting", "the statement may change session settings (a DO block, a procedure, a function that is not a PostgreSQL builtin, or a write to pg_settings)") if {
	some statement in statements
	"*" in object.get(statement, "settings", [])
}

allowed_setting(_, name) if lower(name) in data.sql.session_settings

# RESET ALL and DISCARD ALL go back to the settings the session started with, which the
# proxy checked when the session began.
allowed_setting(statement, "all") if statement.kind == "reset"

# What a statement reads that its text does not name (schema_to_xml, a query given as a
# non-constant string) cannot be decided.
deny contains reason.make("sql/dynamic", concat("", ["the statement reads what its text does not name: ", concat("; ", statement.dynamic)])) if {
	some statement in statements
	count(object.get(statement, "dynamic", [])) > 0
}
