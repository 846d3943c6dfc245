package gatehouse.guard_sql_test

import data.gatehouse.guard

query(subject_groups, statements) := {
	"subject": {"id": "t", "groups": subject_groups},
	"action": "db.query",
	"resource": {"type": "Database", "id": "orders"},
	"context": {"sql": {"statements": statements}},
	"time": "2026-11-25T10:00:00Z",
}

stmt(kind, extra) := object.union({"kind": kind, "tables": ["t"], "columns": [], "hasWhere": true, "functions": []}, extra)

ids(reasons) := {r.id | some r in reasons}

test_never_kinds_are_denied if {
	every kind in ["do", "call", "create_role", "alter_system", "grant_role"] {
		"gatehouse/sql/never" in ids(guard.deny) with input as query(["dba"], [stmt(kind, {})])
	}
}

test_unknown_kind_is_denied_by_the_allowlist if {
	"gatehouse/sql/kind" in ids(guard.deny) with input as query(["dba"], [stmt("something_new", {})])
}

test_nested_delete_without_where_needs_approval if {
	statements := [stmt("select", {}), stmt("delete", {"hasWhere": false, "nested": true})]
	"gatehouse/sql/unbounded-write" in ids(guard.approval) with input as query(["dba"], statements)
}

test_trivial_where_needs_approval if {
	"gatehouse/sql/unbounded-write" in ids(guard.approval) with input as query(["dba"], [stmt("update", {"whereTrivial": true})])
}

test_masked_column_in_a_filter_is_denied if {
	columns := [{"name": "Email", "table": "users", "usage": ["filter"]}]
	"gatehouse/sql/masked-use" in ids(guard.deny) with input as query(["payments"], [stmt("select", {"columns": columns})])
}

test_masked_column_output_is_allowed_and_masked if {
	columns := [{"name": "email", "table": "users", "usage": ["output"]}]
	request := query(["payments"], [stmt("select", {"columns": columns})])
	count(guard.deny) == 0 with input as request
	"email" in guard.mask with input as request
}

test_privileged_groups_are_not_masked if {
	count(guard.mask) == 0 with input as query(["pii-readers"], [stmt("select", {})])
}

test_denied_function_by_prefix if {
	"gatehouse/sql/function" in ids(guard.deny) with input as query(["dba"], [stmt("select", {"functions": ["lo_unlink"]})])
}

test_copy_program_is_denied if {
	copy := {"direction": "to", "program": true, "target": "sh"}
	"gatehouse/sql/copy-program" in ids(guard.deny) with input as query(["dba"], [stmt("copy", {"copy": copy})])
}
