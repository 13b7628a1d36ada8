package referral

// Statuses of a referral's lifecycle (product.md), each mapped to a FHIR R4 Task.status.
const (
	Received    = "received"
	Accepted    = "accepted"
	Declined    = "declined"
	NeedsInfo   = "needs-info"
	Contacted   = "contacted"
	Scheduled   = "scheduled"
	NoShow      = "no-show"
	Seen        = "seen"
	Closed      = "closed"
	Unreachable = "unreachable"
	Cancelled   = "cancelled"
)

// Statuses lists every status in lifecycle order.
var Statuses = []string{Received, NeedsInfo, Accepted, Contacted, Scheduled, NoShow, Seen, Closed,
	Declined, Unreachable, Cancelled}

// ValidStatus reports whether s is a status.
func ValidStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}
