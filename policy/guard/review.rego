# approval.review: reviewers (Cedar: group `reviewers`) approve others' requests only, and
# grant windows no longer than data.approvals.max_window_seconds. The verdict is `approve`,
# `deny`, or `view` (listing and showing pending approvals); any other verdict is denied.
package gatehouse.guard

import data.gatehouse.inventory
import data.gatehouse.reason

review := input.resource.attributes if input.action == "approval.review"

deny contains reason.make("review/self", "a reviewer cannot review a request they made or would execute") if {
	input.subject.id in {review.subject, review.executor}
}

deny contains reason.make("review/group", "only members of a reviewers group review approvals") if {
	review
	not inventory.reviewer
}

deny contains reason.make("review/window", sprintf("an approval window may last at most %d seconds", [data.approvals.max_window_seconds])) if {
	review
	object.get(input.context, "windowSeconds", 0) > data.approvals.max_window_seconds
}

deny contains reason.make("review/resource", "approval.review applies to Approval resources only") if {
	review
	input.resource.type != "Approval"
}

deny contains reason.make("review/verdict", concat("", ["unknown review verdict ", sprintf("%v", [verdict]), ": use approve, deny or view"])) if {
	review
	verdict := object.get(input.context, "verdict", "")
	not verdict in {"approve", "deny", "view"}
}
