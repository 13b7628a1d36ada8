package partner

import (
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/valid"
)

// NPIs: CMS's own example (1234567893), valid ones made with the 80840 prefix, and each changed in
// one digit (Luhn catches every single-digit change) or one transposition of neighbours.
func TestNPICheckDigit(t *testing.T) {
	cases := []struct {
		npi  string
		want bool
	}{
		{"1234567893", true}, {"1245319599", true}, {"1000000004", true}, {"1987654328", true},
		{"1500000009", true}, {"1666666668", true}, {"1111111112", true}, {"1999999992", true},
		{"1234567892", false}, {"1234567894", false}, {"1234567803", false}, {"2234567893", false},
		{"1245319598", false}, {"1245319509", false}, {"1000000005", false}, {"1000000003", false},
		{"1987654329", false}, {"1987654327", false}, {"1324567893", false}, {"1234576893", false},
		{"123456789", false}, {"12345678931", false}, {"12345678a3", false}, {"", false}, {"123456789３", false},
	}
	for _, c := range cases {
		if got := ValidNPI(c.npi); got != c.want {
			t.Errorf("ValidNPI(%q) = %v, want %v", c.npi, got, c.want)
		}
	}
	// Every single-digit change of a valid NPI's first nine digits is caught.
	base := "1234567893"
	for i := 0; i < 10; i++ {
		for d := byte('0'); d <= '9'; d++ {
			if base[i] == d {
				continue
			}
			b := []byte(base)
			b[i] = d
			if ValidNPI(string(b)) {
				t.Errorf("ValidNPI(%s) = true after changing digit %d", b, i)
			}
		}
	}
}

func TestDetailsValidate(t *testing.T) {
	cases := []struct {
		name   string
		d      Details
		fields []string
		phone  string
		zip    string
	}{
		{"us phone as typed", Details{Phone: "(312) 555-0142", ZIP: "60614"}, nil, "+13125550142", "60614"},
		{"zip+4 without dash", Details{Phone: "+1 312 555 0142", ZIP: "606141234"}, nil, "+13125550142", "60614-1234"},
		{"zip lost its zero", Details{ZIP: "2134"}, nil, "", "02134"},
		{"bad phone and zip", Details{Phone: "call me", ZIP: "ABCDE"}, []string{"phone", "zip"}, "", ""},
		{"bad liaison", Details{Liaison: "bob@example.com"}, []string{"liaison"}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Name: "X", Kind: "pcp", Details: c.d}
			in.Normalize()
			err := in.Validate()
			var got []string
			if fe, ok := validAs(err); ok {
				got = append(got, fe...)
			}
			if len(got) != len(c.fields) {
				t.Fatalf("errors %v, want fields %v", got, c.fields)
			}
			for i := range got {
				if got[i] != c.fields[i] {
					t.Errorf("field %d = %s, want %s", i, got[i], c.fields[i])
				}
			}
			if c.fields == nil && (in.Phone != c.phone || in.ZIP != c.zip) {
				t.Errorf("phone %q zip %q, want %q %q", in.Phone, in.ZIP, c.phone, c.zip)
			}
		})
	}
}

func TestStageOf(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	days := func(n int) *time.Time { t := now.AddDate(0, 0, -n); return &t }
	gap := func(d float64) *float64 { x := d * 86400; return &x }
	cases := []struct {
		name   string
		p      Partner
		rhythm metrics.Rhythm
		want   string
	}{
		{"new partner, no referral yet", Partner{}, metrics.Rhythm{}, StageProspect},
		{"first referral arrived before the rollup ran", Partner{LastReferralAt: days(0), ReferralCount: 1}, metrics.Rhythm{}, StageActive},
		{"one referral 59 days ago", Partner{LastReferralAt: days(59)}, metrics.Rhythm{}, StageActive},
		{"one referral 61 days ago", Partner{LastReferralAt: days(61)}, metrics.Rhythm{}, StageQuiet},
		{"weekly source, 20 days silent (threshold 30)", Partner{}, metrics.Rhythm{Referrals: 10, Last: days(20).Unix(), MedianGap: gap(7)}, StageActive},
		{"weekly source, 31 days silent", Partner{}, metrics.Rhythm{Referrals: 10, Last: days(31).Unix(), MedianGap: gap(7)}, StageQuiet},
		{"monthly source, 50 days silent (threshold 60)", Partner{}, metrics.Rhythm{Referrals: 5, Last: days(50).Unix(), MedianGap: gap(30)}, StageActive},
		{"quiet source sends again (notifier's date is newer)", Partner{LastReferralAt: days(1)}, metrics.Rhythm{Referrals: 5, Last: days(90).Unix(), MedianGap: gap(7)}, StageActive},
		{"archived wins", Partner{ArchivedAt: days(1), LastReferralAt: days(1)}, metrics.Rhythm{}, StageArchived},
	}
	for _, c := range cases {
		if got := StageOf(c.p, c.rhythm, now); got != c.want {
			t.Errorf("%s: stage %s, want %s", c.name, got, c.want)
		}
	}
}

func validAs(err error) ([]string, bool) {
	fe, ok := valid.As(err)
	var out []string
	for _, e := range fe {
		out = append(out, e.Field)
	}
	return out, ok
}
