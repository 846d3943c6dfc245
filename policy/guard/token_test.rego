package gatehouse.guard_token_test

import data.gatehouse.guard

issue(resource_id, context) := {
	"subject": {"id": "planner", "groups": ["payments"]},
	"action": "token.issue",
	"resource": {"type": "Database", "id": resource_id},
	"context": context,
	"time": "2026-11-25T10:00:00Z",
}

ids(reasons) := {r.id | some r in reasons}

test_a_short_owned_staging_token_passes if {
	request := issue("orders-staging", {"actions": ["db.query"], "ttlSeconds": 60})
	count(guard.deny) == 0 with input as request
	count(guard.approval) == 0 with input as request
}

test_ttl_must_be_a_positive_number_within_the_limit if {
	every ttl in [0, -5, 901, "300", null] {
		"gatehouse/token/ttl" in ids(guard.deny) with input as issue("orders-staging", {"actions": ["db.query"], "ttlSeconds": ttl})
	}
}

test_wildcards_are_denied if {
	"gatehouse/token/wildcard" in ids(guard.deny) with input as issue("orders-staging", {"actions": ["db.*"], "ttlSeconds": 60})
	"gatehouse/token/wildcard" in ids(guard.deny) with input as issue("*", {"actions": ["db.query"], "ttlSeconds": 60})
}

test_production_needs_approval if {
	"gatehouse/token/production" in ids(guard.approval) with input as issue("orders", {"actions": ["db.query"], "ttlSeconds": 60})
}
