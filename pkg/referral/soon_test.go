package referral

import (
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/practice"
)

// TestContactByForSoon: "soon" has its own deadline; a practice stored before the setting (0)
// keeps the default's, as it was.
func TestContactByForSoon(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	set := practice.ContactBy{Default: 72, Urgent: 24, Soon: 36}
	old := practice.ContactBy{Default: 48, Urgent: 24}
	cases := []struct {
		urgency string
		h       practice.ContactBy
		want    time.Duration
	}{
		{Routine, set, 72 * time.Hour},
		{Soon, set, 36 * time.Hour},
		{Urgent, set, 24 * time.Hour},
		{Soon, old, 48 * time.Hour},
		{Soon, practice.DefaultContactBy, 36 * time.Hour},
		{Soon, practice.ContactBy{}, 48 * time.Hour},
	}
	for _, c := range cases {
		if got := ContactByFor(at, c.urgency, c.h).Sub(at); got != c.want {
			t.Errorf("ContactByFor(%s, %+v) = +%v, want +%v", c.urgency, c.h, got, c.want)
		}
	}
}
