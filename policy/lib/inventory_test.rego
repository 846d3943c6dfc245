package gatehouse.inventory_test

import data.gatehouse.inventory

test_inventory_env_wins_over_request_attributes if {
	inventory.env == "prod" with input as {"resource": {"type": "Database", "id": "orders", "attributes": {"env": "dev"}}}
}

test_unknown_resource_uses_its_env_attribute if {
	inventory.env == "dev" with input as {"resource": {"type": "Database", "id": "elsewhere", "attributes": {"env": "dev"}}}
}

test_unknown_resource_without_env_is_production if {
	inventory.production with input as {"resource": {"type": "Database", "id": "elsewhere"}}
}

test_ownership_comes_from_the_inventory_only if {
	not inventory.owns with input as {
		"subject": {"id": "x", "groups": ["web"]},
		"resource": {"type": "Database", "id": "orders", "attributes": {"owner": "web"}},
	}
}

test_privileged_groups if {
	inventory.privileged with input as {"subject": {"id": "x", "groups": ["payments", "pii-readers"]}}
	not inventory.privileged with input as {"subject": {"id": "x", "groups": ["payments"]}}
}
