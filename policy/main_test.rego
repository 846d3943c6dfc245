package gatehouse_test

import data.gatehouse

dba_select := {
	"subject": {"id": "dana", "groups": ["dba"]},
	"action": "db.query",
	"resource": {"type": "Database", "id": "orders", "attributes": {"env": "prod"}},
	"context": {"sql": {"statements": [{"kind": "select", "tables": ["orders"], "columns": [], "hasWhere": false, "functions": []}]}},
	"time": "2026-11-25T10:00:00Z",
}

test_allow_has_no_reasons if {
	gatehouse.decision == {"effect": "allow", "reasons": [], "obligations": {}} with input as dba_select
}

test_deny_wins_over_approval if {
	statements := [
		{"kind": "delete", "tables": ["orders"], "columns": [], "hasWhere": false, "functions": []},
		{"kind": "drop", "tables": ["orders"], "columns": [], "hasWhere": false, "functions": []},
	]
	decision := gatehouse.decision with input as object.union(dba_select, {"context": {"sql": {"statements": statements}}})
	decision.effect == "deny"
	decision.obligations == {}
}

test_approval_keeps_mask_obligations if {
	request := object.union(dba_select, {
		"subject": {"id": "pat", "groups": ["payments"]},
		"context": {"sql": {"statements": [{"kind": "update", "tables": ["users"], "columns": [{"name": "email", "table": "users", "usage": ["assignment"]}], "hasWhere": false, "functions": []}]}},
	})
	decision := gatehouse.decision with input as request
	decision.effect == "require_approval"
	"email" in decision.obligations.mask
}

test_unknown_action_is_denied_with_an_id if {
	decision := gatehouse.decision with input as object.union(dba_select, {"action": "db.explode"})
	decision.effect == "deny"
	decision.reasons[0].id == "gatehouse/action"
}
