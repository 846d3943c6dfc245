# token.issue: what a planner may ask for. The context is the token request
# ({actions, ttlSeconds, maxUses, executor, constraints}). Who may ask (the owning group)
# and the production approval are Cedar's (rbac.cedar); the planner's ownership is checked
# here too, from the inventory, so either engine alone would refuse a stranger's resource.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.reason

token_request := input.context if input.action == "token.issue"

deny contains reason.make("token/owner", concat("", ["the planner's groups do not own ", inventory.resource_key])) if {
	token_request
	not inventory.owns
}

deny contains reason.make("token/ttl", sprintf("a token may live at most %d seconds", [data.tokens.max_ttl_seconds])) if {
	ttl := object.get(token_request, "ttlSeconds", 0)
	not ttl_within_limit(ttl)
}

ttl_within_limit(ttl) if {
	is_number(ttl)
	ttl > 0
	ttl <= data.tokens.max_ttl_seconds
}

deny contains reason.make("token/actions", "a token must name at least one action") if {
	token_request
	count(object.get(token_request, "actions", [])) == 0
}

deny contains reason.make("token/wildcard", concat("", ["wildcard scope ", action, " is not allowed: name each action"])) if {
	some action in token_request.actions
	contains(action, "*")
}

deny contains reason.make("token/wildcard", "a token's resource must be one named resource, not a pattern") if {
	token_request
	contains(concat("", [input.resource.type, input.resource.id]), "*")
}

deny contains reason.make("token/actions", concat("", ["action ", action, " cannot be delegated in a token"])) if {
	some action in token_request.actions
	not contains(action, "*")
	not action in data.tokens.actions
}

deny contains reason.make("token/resource-type", concat("", ["action ", action, " does not apply to a ", input.resource.type])) if {
	some action in token_request.actions
	prefix := split(action, ".")[0]
	expected := data.tokens.action_resource_types[prefix]
	expected != input.resource.type
}

# Cedar asks for the same approval; this one holds even if a caller's resource attributes
# claimed another environment (the inventory decides what is production).
approval contains reason.make("token/production", "a token for a production resource needs a reviewer's approval") if {
	token_request
	inventory.production
}
