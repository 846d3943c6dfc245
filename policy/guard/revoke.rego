# token.revoke: revoking another planner's tokens (one token, or every token of a subject).
# A planner revokes its own tokens without asking policy; for anyone else's, reviewers may
# (Cedar: group `reviewers`), since stopping a token is the reviewer's emergency brake.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.reason

revocation := input.resource if input.action == "token.revoke"

deny contains reason.make("revoke/group", "only members of a reviewers group revoke other planners' tokens") if {
	revocation
	not inventory.reviewer
}

deny contains reason.make("revoke/resource", "token.revoke applies to Token and Subject resources only") if {
	revocation
	not revocation.type in {"Token", "Subject"}
}
