# METADATA
# description: >-
#   What is known about the subject and the resource. The inventory in data.json wins over
#   request attributes: a caller cannot make a production database look like dev. A resource
#   the inventory does not know, with no env attribute, is treated as production.
package gatehouse.inventory

resource_key := concat(":", [input.resource.type, input.resource.id])

record := data.resources[resource_key]

env := value if {
	value := record.env
} else := value if {
	value := input.resource.attributes.env
	is_string(value)
} else := "prod"

production if env == "prod"

production if input.resource.attributes.env == "prod"

groups contains group if some group in input.subject.groups

# The planner's group owns the resource (inventory only: ownership is never taken from the request).
owns if record.owner in groups

privileged if {
	some group in data.groups.privileged
	group in groups
}

reviewer if {
	some group in data.groups.reviewers
	group in groups
}
