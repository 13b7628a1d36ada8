package notifier_test

import (
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/notifier"
)

// TestDigestKeyFor: a change is queued for the hour its practice's local day ends in, so the
// digest of a day covers the practice's day (local midnight to midnight), across DST changes and
// in zones off the hour; the hourly run at HH:05 sends partition HH.
func TestDigestKeyFor(t *testing.T) {
	zone := func(name string) *time.Location {
		l, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ny, kolkata, kathmandu := zone("America/New_York"), zone("Asia/Kolkata"), zone("Asia/Kathmandu")
	cases := []struct {
		at   string
		loc  *time.Location
		want string
	}{
		{"2026-12-01T16:09:00Z", ny, "2026-12-02T05"},        // Dec 1 EST ends at 05:00Z
		{"2026-12-02T04:59:59Z", ny, "2026-12-02T05"},        // 11:59 PM Dec 1 EST: still Dec 1
		{"2026-12-02T05:00:00Z", ny, "2026-12-03T05"},        // local midnight: Dec 2
		{"2026-10-31T12:00:00Z", ny, "2026-11-01T04"},        // Oct 31 EDT ends at 04:00Z
		{"2026-11-01T12:00:00Z", ny, "2026-11-02T05"},        // Nov 1 (25 hours long) ends at 05:00Z
		{"2027-03-14T12:00:00Z", ny, "2027-03-15T04"},        // Mar 14 (23 hours long) ends at 04:00Z
		{"2026-12-01T12:00:00Z", kolkata, "2026-12-01T19"},   // Dec 1 IST ends at 18:30Z: the 19:05 run
		{"2026-12-01T12:00:00Z", kathmandu, "2026-12-01T19"}, // ends at 18:15Z
		{"2026-12-01T12:00:00Z", nil, "2026-12-02T00"},
	}
	for _, c := range cases {
		at, _ := time.Parse(time.RFC3339, c.at)
		if got := notifier.DigestKeyFor(at, c.loc); got != c.want {
			t.Errorf("DigestKeyFor(%s, %v) = %s, want %s", c.at, c.loc, got, c.want)
		}
	}
}
