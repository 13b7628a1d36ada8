package metrics

import (
	"testing"
	"time"
)

// TestLocalDayBuckets: a referral counts in its practice's local day: one that arrived at 10 PM in
// New York on Dec 1 (03:00Z on Dec 2) is in Dec 1's bucket, its week and its month; a fact made
// before days were local keeps its UTC day.
func TestLocalDayBuckets(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	facts := []Fact{
		{Tenant: "t", Referral: "a", Source: "p", Received: at("2026-12-02T03:00:00Z"), LocalDay: "2026-12-01"},
		{Tenant: "t", Referral: "b", Source: "p", Received: at("2026-12-02T04:59:00Z"), LocalDay: "2026-12-01"},
		{Tenant: "t", Referral: "c", Source: "p", Received: at("2026-12-02T05:00:00Z"), LocalDay: "2026-12-02"},
		{Tenant: "t", Referral: "d", Source: "p", Received: at("2026-12-02T03:00:00Z")}, // before: UTC
		// Across New York's DST change: 1:30 AM EST on Nov 1 is still Nov 1.
		{Tenant: "t", Referral: "e", Source: "p", Received: at("2026-11-01T06:30:00Z"), LocalDay: "2026-11-01"},
		// Dec 1 local, in a week and month of its own local day: Mon Nov 30 - Sun Dec 6 is 2026-W49.
		{Tenant: "t", Referral: "f", Source: "p", Received: at("2026-12-01T04:00:00Z"), LocalDay: "2026-11-30"},
	}
	days := RollupBy(facts, Fact.Day, at("2026-12-03T00:00:00Z"))
	for day, want := range map[string]int{"2026-12-01": 2, "2026-12-02": 2, "2026-11-01": 1, "2026-11-30": 1} {
		if got := days[day]["all"]; got == nil || got.Received != want {
			t.Errorf("day %s: %+v, want %d received", day, got, want)
		}
	}
	months := RollupBy(facts, func(f Fact) string { return Month(f.DayTime()) }, at("2026-12-03T00:00:00Z"))
	if months["2026-11"]["all"].Received != 2 || months["2026-12"]["all"].Received != 4 {
		t.Errorf("months: Nov %d, Dec %d", months["2026-11"]["all"].Received, months["2026-12"]["all"].Received)
	}
	if w := Week(facts[5].DayTime()); w != "2026-W49" {
		t.Errorf("week of Nov 30: %s", w)
	}
}
