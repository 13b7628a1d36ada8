package metrics

import (
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// Contact-by compliance is contacted in time ÷ every referral whose contact-by has passed,
// contacted or not: a referral nobody called counts against it from its deadline on.
func TestComplianceCountsOverdueReferrals(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { x := now.Add(time.Duration(h) * time.Hour); return &x }
	fact := func(receivedH, deadlineH int, contactH *time.Time, st referral.Status) Fact {
		return Fact{Received: *at(receivedH), ContactBy: *at(deadlineH), FirstContact: contactH, Status: st}
	}
	overdueNeverContacted := fact(-17*24, -15*24, nil, referral.Received)
	contactedLate := fact(-10*24, -8*24, at(-7*24), referral.Scheduled)
	contactedInTime := fact(-5*24, -3*24, at(-4*24), referral.Contacted)
	notYetDue := fact(-2, 46, nil, referral.Accepted)
	declinedBeforeDeadline := fact(-5*24, -3*24, nil, referral.Declined)
	declinedBeforeDeadline.Declined = at(-4 * 24)
	declinedAfterDeadline := fact(-9*24, -7*24, nil, referral.Declined) // nobody called in time, then declined
	declinedAfterDeadline.Declined = at(-6 * 24)
	contactedEarlyNotDue := fact(-2, 46, at(-1), referral.Contacted)

	pct := func(x float64) *float64 { return &x }
	cases := []struct {
		name              string
		facts             []Fact
		due, overdue      int
		compliance        *float64
		contacted, onTime int
	}{
		{"the four of the issue", []Fact{overdueNeverContacted, contactedLate, contactedInTime, notYetDue}, 3, 1, pct(0.333), 2, 1},
		{"only the one nobody called", []Fact{overdueNeverContacted}, 1, 1, pct(0), 0, 0},
		{"nothing due yet", []Fact{notYetDue, contactedEarlyNotDue}, 0, 0, nil, 1, 1},
		{"declined before the deadline is not owed a call", []Fact{contactedInTime, declinedBeforeDeadline}, 1, 0, pct(1), 1, 1},
		{"declined after a missed deadline still counts as missed", []Fact{contactedInTime, declinedAfterDeadline}, 2, 0, pct(0.5), 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b Bucket
			for _, f := range c.facts {
				b.Add(f, now)
			}
			s := Summarize(b)
			if s.Due != c.due || s.Overdue != c.overdue || s.Contacted != c.contacted || b.ContactedOnTime != c.onTime {
				t.Fatalf("due %d overdue %d contacted %d on time %d; want %d %d %d %d", s.Due, s.Overdue, s.Contacted, b.ContactedOnTime,
					c.due, c.overdue, c.contacted, c.onTime)
			}
			switch {
			case c.compliance == nil && s.ContactCompliance != nil:
				t.Fatalf("compliance %v, want none", *s.ContactCompliance)
			case c.compliance != nil && (s.ContactCompliance == nil || *s.ContactCompliance != *c.compliance):
				t.Fatalf("compliance %v, want %v", s.ContactCompliance, *c.compliance)
			}
			// Merged buckets count the same as one bucket of all the facts.
			var merged Bucket
			for _, f := range c.facts {
				var one Bucket
				one.Add(f, now)
				merged.Merge(one)
			}
			if ms := Summarize(merged); ms.Due != s.Due || ms.Overdue != s.Overdue {
				t.Fatalf("merged: due %d overdue %d, want %d %d", ms.Due, ms.Overdue, s.Due, s.Overdue)
			}
		})
	}
}
