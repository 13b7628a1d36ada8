package referral

// Status is where a referral is in its lifecycle (product.md). Everything the product knows about a
// status is in the lifecycle table below: adding one means a row there, its words (words.go, the
// status words in pkg/messages, the portal's labels) and its tests.
type Status string

// The statuses, in lifecycle order.
const (
	Received    Status = "received"
	NeedsInfo   Status = "needs-info"
	Accepted    Status = "accepted"
	Contacted   Status = "contacted"
	Scheduled   Status = "scheduled"
	NoShow      Status = "no-show"
	Seen        Status = "seen"
	Closed      Status = "closed"
	Declined    Status = "declined"
	Unreachable Status = "unreachable"
	Cancelled   Status = "cancelled"
)

// stage is one row of the lifecycle table.
type stage struct {
	status Status
	// fhir is the FHIR R4 Task.status it maps to.
	fhir string
	// open: still in the practice's hands, before the visit's outcome.
	open bool
	// queued: in the practice's work queue (its counts): the open statuses, and seen until the loop
	// is closed.
	queued bool
	// awaitingContact: nobody has reached the patient yet, so the contact-by deadline runs
	// (overdue is awaitingContact and past contact-by).
	awaitingContact bool
	// outcome: the visit's outcome, shown to the referrer only with the patient's consent to
	// share outcomes; without it the referral reads as shownAs.
	outcome bool
	shownAs Status
	// leavingTells: without that consent, moves out of this status are hidden too (a no-show
	// rebooked or given up on would tell that it happened).
	leavingTells bool
	// outcomeNote: the note of a move into this status is the visit's outcome, shown to the
	// referrer only with that consent.
	outcomeNote bool
	// next lists the statuses staff may move a referral to from here.
	next []Status
}

// lifecycle is the table, in lifecycle order. needs-info leaves only through the referrer's answer
// (back where it was held) or a cancellation.
var lifecycle = []stage{
	{status: Received, fhir: "requested", open: true, awaitingContact: true,
		next: []Status{Accepted, Declined, NeedsInfo, Cancelled}},
	{status: NeedsInfo, fhir: "on-hold", open: true, awaitingContact: true,
		next: []Status{Cancelled}},
	{status: Accepted, fhir: "accepted", open: true, awaitingContact: true,
		next: []Status{Contacted, NeedsInfo, Declined, Unreachable, Cancelled}},
	{status: Contacted, fhir: "in-progress", open: true,
		next: []Status{Contacted, Scheduled, Unreachable, Cancelled}},
	{status: Scheduled, fhir: "in-progress", open: true,
		next: []Status{Seen, NoShow, Scheduled, Cancelled}},
	{status: NoShow, fhir: "on-hold", open: true, outcome: true, shownAs: Scheduled, leavingTells: true,
		next: []Status{Scheduled, Unreachable, Cancelled}},
	{status: Seen, fhir: "completed", queued: true, outcome: true, shownAs: Scheduled,
		next: []Status{Closed}},
	{status: Closed, fhir: "completed", outcomeNote: true},
	{status: Declined, fhir: "rejected"},
	{status: Unreachable, fhir: "failed"},
	{status: Cancelled, fhir: "cancelled"},
}

var byStatus = func() map[Status]*stage {
	m := make(map[Status]*stage, len(lifecycle))
	for i := range lifecycle {
		m[lifecycle[i].status] = &lifecycle[i]
	}
	return m
}()

func (s Status) stage() stage {
	if st, ok := byStatus[s]; ok {
		return *st
	}
	return stage{status: s}
}

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	out := make([]Status, len(lifecycle))
	for i, st := range lifecycle {
		out[i] = st.status
	}
	return out
}

// AwaitingContact lists the statuses in which the contact-by deadline runs, in lifecycle order.
func AwaitingContact() []Status { return where(func(s stage) bool { return s.awaitingContact }) }

// QueueStatuses lists the statuses of the practice's work queue, in lifecycle order.
func QueueStatuses() []Status { return where(func(s stage) bool { return s.open || s.queued }) }

func where(keep func(stage) bool) []Status {
	var out []Status
	for _, st := range lifecycle {
		if keep(st) {
			out = append(out, st.status)
		}
	}
	return out
}

// Valid reports whether s is a status of the lifecycle.
func (s Status) Valid() bool { _, ok := byStatus[s]; return ok }

// Open reports whether a referral in s is still in the practice's hands, before the visit's outcome.
func (s Status) Open() bool { return s.stage().open }

// AwaitingContact reports whether the contact-by deadline runs in s.
func (s Status) AwaitingContact() bool { return s.stage().awaitingContact }

// Final reports whether nothing can follow s.
func (s Status) Final() bool { return s.Valid() && len(s.stage().next) == 0 }

// FHIR is the FHIR R4 Task.status of s.
func (s Status) FHIR() string { return s.stage().fhir }

// Next lists the statuses staff may move a referral in s to (before per-referral rules).
func (s Status) Next() []Status { return append([]Status(nil), s.stage().next...) }

// ForReferrer is s as a referrer may see it: an outcome reads as shownAs unless the patient
// consented to share outcomes.
func (s Status) ForReferrer(consent bool) Status {
	if st := s.stage(); st.outcome && !consent {
		return st.shownAs
	}
	return s
}

// ReferrerSeesMove reports whether a referrer may see the move from → to (a timeline entry, an
// update email): with the patient's consent to share outcomes every move; without it, no move into
// an outcome and none out of a status whose leaving tells.
func ReferrerSeesMove(from, to Status, consent bool) bool {
	return consent || (!to.stage().outcome && !from.stage().leavingTells)
}

// Strings is a list of statuses as strings (for messages and JSON).
func Strings(l []Status) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = string(s)
	}
	return out
}
