package practice

import (
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/valid"
)

// TestLocalTimeAcrossDST: the practice's local time with its abbreviation, on both sides of New
// York's changes (2026-11-01 back to EST at 06:00Z; 2027-03-14 forward to EDT at 07:00Z).
func TestLocalTimeAcrossDST(t *testing.T) {
	ny := Profile{TimeZone: "America/New_York"}.Location()
	la := Profile{TimeZone: "America/Los_Angeles"}.Location()
	cases := []struct {
		at   string
		loc  *time.Location
		want string
		day  string
	}{
		{"2026-12-01T16:09:00Z", ny, "Tue Dec 1, 11:09 AM EST", "2026-12-01"},
		{"2026-11-01T05:30:00Z", ny, "Sun Nov 1, 1:30 AM EDT", "2026-11-01"},
		{"2026-11-01T06:30:00Z", ny, "Sun Nov 1, 1:30 AM EST", "2026-11-01"}, // the hour again, an hour later
		{"2027-03-14T06:59:00Z", ny, "Sun Mar 14, 1:59 AM EST", "2027-03-14"},
		{"2027-03-14T07:00:00Z", ny, "Sun Mar 14, 3:00 AM EDT", "2027-03-14"}, // 2 AM never happens
		{"2026-12-02T03:00:00Z", ny, "Tue Dec 1, 10:00 PM EST", "2026-12-01"}, // still Dec 1 in New York
		{"2026-12-02T04:59:59Z", ny, "Tue Dec 1, 11:59 PM EST", "2026-12-01"},
		{"2026-12-02T05:00:00Z", ny, "Wed Dec 2, 12:00 AM EST", "2026-12-02"}, // local midnight
		{"2026-12-01T16:09:00Z", la, "Tue Dec 1, 8:09 AM PST", "2026-12-01"},
		{"2026-12-01T16:09:00Z", nil, "Tue Dec 1, 4:09 PM UTC", "2026-12-01"},
	}
	for _, c := range cases {
		at, _ := time.Parse(time.RFC3339, c.at)
		if got := LocalTime(at, c.loc); got != c.want {
			t.Errorf("LocalTime(%s, %v) = %q, want %q", c.at, c.loc, got, c.want)
		}
		if got := LocalDay(at, c.loc); got != c.day {
			t.Errorf("LocalDay(%s, %v) = %q, want %q", c.at, c.loc, got, c.day)
		}
	}
}

func TestLocalSettings(t *testing.T) {
	cases := []struct {
		p      Profile
		fields []string
		phone  string
	}{
		{Profile{Country: "us", TimeZone: "America/Chicago", IntakeContact: Contact{Phone: "(201) 555-0100"}}, nil, "+12015550100"},
		{Profile{Country: "GB", IntakeContact: Contact{Phone: "020 7946 0958"}}, nil, "+442079460958"},
		{Profile{}, nil, ""},
		{Profile{Country: "USA", TimeZone: "Mars/Olympus_Mons"}, []string{"country", "timeZone"}, ""},
		{Profile{TimeZone: "Local"}, []string{"timeZone"}, ""},
		{Profile{IntakeContact: Contact{Phone: "555-0100"}}, []string{"intakeContact.phone"}, "555-0100"},
	}
	for _, c := range cases {
		var f valid.Fields
		validateLocal(&f, &c.p)
		errs, _ := valid.As(f.Err())
		var got []string
		for _, e := range errs {
			got = append(got, e.Field)
		}
		if len(got) != len(c.fields) || (len(got) > 0 && got[0] != c.fields[0]) {
			t.Errorf("%+v: fields %v, want %v", c.p, got, c.fields)
		}
		if c.p.IntakeContact.Phone != c.phone {
			t.Errorf("%+v: phone %q, want %q", c.p, c.p.IntakeContact.Phone, c.phone)
		}
	}
	if (Profile{}).Location() != time.UTC || (Profile{TimeZone: "Nope/Nope"}).Location() != time.UTC {
		t.Error("a practice without a known zone is not on UTC")
	}
	if got := (Profile{Country: "", IntakeContact: Contact{Phone: "+12015550100"}}).PhoneDisplay(); got != "(201) 555-0100" {
		t.Errorf("PhoneDisplay = %q", got)
	}
}
