# METADATA
# title: Small Rego-only benchmark policy
# description: DBAs query, SREs run commands, nobody drops a table.
package gatehouse

default decision := {"effect": "deny", "reasons": [{"id": "small/default", "text": "no rule allows this request"}], "obligations": {}}

decision := {"effect": "deny", "reasons": [{"id": "small/drop", "text": "DROP is never allowed"}], "obligations": {}} if {
	input.action == "db.query"
	some statement in input.context.sql.statements
	statement.kind == "drop"
}

decision := {"effect": "allow", "reasons": [], "obligations": {}} if {
	input.action == "db.query"
	input.subject.groups[_] in {"dba", "analysts"}
	not drops
}

decision := {"effect": "allow", "reasons": [], "obligations": {}} if {
	input.action == "ssh.exec"
	"sre" in input.subject.groups
}

drops if {
	some statement in input.context.sql.statements
	statement.kind == "drop"
}
