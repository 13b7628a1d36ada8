// Package phone is the one place phone numbers are read, stored and shown: a number is typed as
// people write it in the practice's country ("(201) 555-0123" in the US), stored in E.164
// ("+12015550123") and shown in the country's national format, or the international one for a
// number of another country.
//
// The rules are libphonenumber's, on its metadata: metadata.json.gz is generated (go generate,
// internal/gen) from github.com/nyaruka/phonenumbers, and this package reads it with the standard
// library only, the parts of libphonenumber it needs re-implemented in libphonenumber.go (parse,
// possible length, validity, region, E.164/national/international formats). The library itself
// links google.golang.org/protobuf and golang.org/x/text into a binary (+7 to 11 MiB a Lambda
// bootstrap, over the 10 MiB budget), so, as pkg/metrics does with DDSketch, only the generator
// and the tests import it: equivalence_test.go holds this package's answers equal to the
// library's over a generated corpus, and the test fails when the file is not the generator's.
// The metadata is read on first use (sync.Once) and each pattern compiled when first needed;
// the package does nothing at init.
//
// Two levels of "good": a number is Possible when it has the length of a number of its country
// (the API takes it and stores it), and Textable when libphonenumber knows it as a number in use
// of a real region (texts go only to those). Fictional numbers such as the US's 555 area code are
// possible, not textable: a referrer may type one, and the form says the patient will get no text.
package phone

//go:generate go run ./internal/gen

import (
	"strings"
)

// DefaultCountry is a practice's country when it set none.
const DefaultCountry = "US"

// Number is a parsed phone number.
type Number struct {
	E164     string // +12015550123
	National string // (201) 555-0123; for a number of another country than the one it was read in, its international form
	Region   string // ISO 3166-1 alpha-2 of the number ("" when none: non-geographic or unknown)
	// Textable: a valid number of a real region (libphonenumber's IsValidNumber).
	Textable bool
}

// Problem is why a typed number was refused, in words for a form's field.
type Problem string

func (p Problem) Error() string { return string(p) }

// Refusals.
const (
	ErrNotNumber Problem = "must be a phone number, like (201) 555-0123 or +44 20 7946 0958"
	ErrLength    Problem = "does not have the right number of digits for a phone number: give the area code too"
)

// Country returns an ISO 3166-1 alpha-2 country libphonenumber knows, upper-cased, or "" when it is
// not one.
func Country(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if len(c) != 2 || countryCodeForRegion(c) == 0 {
		return ""
	}
	return c
}

// Parse reads a number as typed in country (an ISO 3166-1 alpha-2 code; "" is DefaultCountry).
// A number written with + and its country code is read as such whatever the country.
func Parse(typed, country string) (Number, error) {
	typed = strings.TrimSpace(typed)
	if country = Country(country); country == "" {
		country = DefaultCountry
	}
	if typed == "" || len(typed) > 40 {
		return Number{}, ErrNotNumber
	}
	for _, r := range typed {
		switch {
		case r >= '0' && r <= '9', r == '+', r == ' ', r == '-', r == '(', r == ')', r == '.', r == '/':
		default:
			return Number{}, ErrNotNumber
		}
	}
	n, err := parse(typed, country)
	if err != nil {
		return Number{}, ErrNotNumber
	}
	// Possible, and dialable from anywhere in the country: a number without its area code
	// (IS_POSSIBLE_LOCAL_ONLY, "555-0100" in the US) is refused.
	if possible(n) != isPossible {
		return Number{}, ErrLength
	}
	out := Number{E164: format(n, e164), Textable: valid(n)}
	if out.Textable {
		if r := regionForNumber(n); r != nonGeoRegion && r != unknownRegion {
			out.Region = r
		} else {
			out.Textable = false
		}
	}
	if countryCodeForRegion(country) == n.cc {
		out.National = format(n, national)
	} else {
		out.National = format(n, international)
	}
	return out, nil
}

// Display shows a stored number (E.164, or as typed before numbers were stored so) as people of
// country write it; a number it cannot read is shown as stored.
func Display(stored, country string) string {
	if stored == "" {
		return ""
	}
	n, err := Parse(stored, country)
	if err != nil {
		return stored
	}
	return n.National
}

// Textable returns the E.164 form of a stored number when texts can reach it (a valid number of a
// real region), else "".
func Textable(stored, country string) (e164, region string) {
	n, err := Parse(stored, country)
	if err != nil || !n.Textable {
		return "", ""
	}
	return n.E164, n.Region
}

// Normalize trims a typed number and returns its E.164 form when it is a possible number of
// country, else the trimmed text (for the validation to refuse).
func Normalize(typed, country string) string {
	typed = strings.TrimSpace(typed)
	if n, err := Parse(typed, country); err == nil {
		return n.E164
	}
	return typed
}
