package phone

import "testing"

// TestParse: numbers as people type them, read in the practice's country (libphonenumber's
// metadata, github.com/nyaruka/phonenumbers v1.8.1).
func TestParse(t *testing.T) {
	cases := []struct {
		typed, country string
		e164, national string
		region         string
		textable       bool
		err            error
	}{
		// The examples: the US's fictional 555 area code is the right length, so it is
		// taken (stored, shown), but it is no number in use: no text goes to it.
		{"(555) 010-2233", "US", "+15550102233", "(555) 010-2233", "", false, nil},
		{"555-010-9999", "US", "+15550109999", "(555) 010-9999", "", false, nil},
		// 555-01xx in a real area code is valid to libphonenumber: texts go.
		{"(201) 555-0123", "US", "+12015550123", "(201) 555-0123", "US", true, nil},
		{"201.555.0123", "", "+12015550123", "(201) 555-0123", "US", true, nil},
		{"1 (415) 555-2671", "US", "+14155552671", "(415) 555-2671", "US", true, nil},
		{"+1 415 555 0142", "US", "+14155550142", "(415) 555-0142", "US", true, nil},
		{"+1 613 555 0142", "US", "+16135550142", "(613) 555-0142", "CA", true, nil},
		// International: another country's number keeps its international form.
		{"+44 20 7946 0958", "US", "+442079460958", "+44 20 7946 0958", "GB", true, nil},
		// National in another practice country.
		{"020 7946 0958", "GB", "+442079460958", "020 7946 0958", "GB", true, nil},
		{"030 123456", "DE", "+4930123456", "030 123456", "DE", true, nil},
		// Refused.
		{"555-0100", "US", "", "", "", false, ErrLength},      // no area code
		{"+1 555 0100", "US", "", "", "", false, ErrLength},   // the same, with +1
		{"(201) 555-012", "US", "", "", "", false, ErrLength}, // a digit short
		{"2015550123456789", "US", "", "", "", false, ErrLength},
		{"call me", "US", "", "", "", false, ErrNotNumber},
		{"201-555-0123 ext 4", "US", "", "", "", false, ErrNotNumber},
		{"", "US", "", "", "", false, ErrNotNumber},
	}
	for _, c := range cases {
		n, err := Parse(c.typed, c.country)
		if err != c.err {
			t.Errorf("Parse(%q, %q) error %v, want %v", c.typed, c.country, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		if n.E164 != c.e164 || n.National != c.national || n.Region != c.region || n.Textable != c.textable {
			t.Errorf("Parse(%q, %q) = %+v, want %s %q %s %v", c.typed, c.country, n, c.e164, c.national, c.region, c.textable)
		}
		// A stored number reads back the same whatever country reads it.
		if again := Normalize(n.E164, "GB"); again != c.e164 {
			t.Errorf("Normalize(%q) = %q", n.E164, again)
		}
	}
}

func TestDisplayAndTextable(t *testing.T) {
	cases := []struct{ stored, country, display, textable, region string }{
		{"+12015550123", "US", "(201) 555-0123", "+12015550123", "US"},
		{"+1 415 555 0142", "US", "(415) 555-0142", "+14155550142", "US"}, // stored as typed, before E.164
		{"+15550102233", "US", "(555) 010-2233", "", ""},
		{"+442079460958", "US", "+44 20 7946 0958", "+442079460958", "GB"},
		{"+442079460958", "GB", "020 7946 0958", "+442079460958", "GB"},
		{"+882345678901", "US", "+882 345678901", "", ""}, // non-geographic: no region, no text
		{"not a number", "US", "not a number", "", ""},
		{"", "US", "", "", ""},
	}
	for _, c := range cases {
		if got := Display(c.stored, c.country); got != c.display {
			t.Errorf("Display(%q, %s) = %q, want %q", c.stored, c.country, got, c.display)
		}
		if e, r := Textable(c.stored, c.country); e != c.textable || r != c.region {
			t.Errorf("Textable(%q, %s) = %q %q, want %q %q", c.stored, c.country, e, r, c.textable, c.region)
		}
	}
}

func TestCountry(t *testing.T) {
	for in, want := range map[string]string{"US": "US", "us": "US", " gb ": "GB", "XX": "", "USA": "", "": ""} {
		if got := Country(in); got != want {
			t.Errorf("Country(%q) = %q, want %q", in, got, want)
		}
	}
}
