# METADATA
# title: Gatehouse example policy
# description: >-
#   The one entry point (gatehouse/decision). Every concern adds to the sets of
#   package gatehouse.guard (deny, approval, mask); this module combines them:
#   any deny wins, then any approval, else allow.
package gatehouse

import data.gatehouse.guard

known_actions := {"token.issue", "db.connect", "db.query", "ssh.connect", "ssh.exec", "approval.review", "token.revoke", "mcp.connect", "mcp.tools.call", "mcp.resources.read", "mcp.prompts.get"}

deny_reasons contains {"id": "gatehouse/action", "text": concat("", ["action ", input.action, " is not governed by this policy"])} if {
	not input.action in known_actions
}

deny_reasons contains reason if some reason in guard.deny

approval_reasons contains reason if some reason in guard.approval

obligations := {"mask": sort(guard.mask)} if count(guard.mask) > 0

else := {}

decision := {"effect": "deny", "reasons": sort(deny_reasons), "obligations": {}} if {
	count(deny_reasons) > 0
} else := {"effect": "require_approval", "reasons": sort(approval_reasons), "obligations": obligations} if {
	count(approval_reasons) > 0
} else := {"effect": "allow", "reasons": [], "obligations": obligations}
