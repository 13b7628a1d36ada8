package phone

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/referloop/referloop/pkg/phone/internal/phonegen"
)

// The package carries libphonenumber's rules on a generated copy of its metadata (see the package
// doc); these tests hold it to github.com/nyaruka/phonenumbers, the library it replaces, as
// pkg/metrics's tests hold its DDSketch to sketches-go.

// TestMetadataUpToDate: metadata.json.gz is what the generator writes from the nyaruka/phonenumbers
// in go.mod (`go generate ./pkg/phone` after upgrading it). The JSON is compared, not the gzip
// bytes, which may change with Go's compress/flate.
func TestMetadataUpToDate(t *testing.T) {
	want, err := phonegen.JSON()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(metadataGz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("metadata.json.gz (%d bytes of JSON) is not the generator's (%d bytes): run go generate ./pkg/phone", len(got), len(want))
	}
}

// libParse is Parse as it was on the library (before this package carried the metadata): the
// public answers must not change.
func libParse(typed, country string) (Number, error) {
	typed = strings.TrimSpace(typed)
	c := strings.ToUpper(strings.TrimSpace(country))
	if len(c) != 2 || phonenumbers.GetCountryCodeForRegion(c) == 0 {
		c = DefaultCountry
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
	n, err := phonenumbers.Parse(typed, c)
	if err != nil {
		return Number{}, ErrNotNumber
	}
	if phonenumbers.IsPossibleNumberWithReason(n) != phonenumbers.IS_POSSIBLE {
		return Number{}, ErrLength
	}
	out := Number{E164: phonenumbers.Format(n, phonenumbers.E164), Textable: phonenumbers.IsValidNumber(n)}
	if out.Textable {
		if r := phonenumbers.GetRegionCodeForNumber(n); r != "001" && r != "ZZ" {
			out.Region = r
		} else {
			out.Textable = false
		}
	}
	if phonenumbers.GetCountryCodeForRegion(c) == int(n.GetCountryCode()) {
		out.National = phonenumbers.Format(n, phonenumbers.NATIONAL)
	} else {
		out.National = phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	}
	return out, nil
}

var libValidation = map[phonenumbers.ValidationResult]validation{
	phonenumbers.IS_POSSIBLE: isPossible, phonenumbers.INVALID_COUNTRY_CODE: invalidCountryCode,
	phonenumbers.TOO_SHORT: tooShort, phonenumbers.TOO_LONG: tooLong,
	phonenumbers.IS_POSSIBLE_LOCAL_ONLY: isPossibleLocalOnly, phonenumbers.INVALID_LENGTH: invalidLength,
}

type input struct{ typed, region string }

const punctuation = " -()./"

// punctuate writes digits (and a leading +) with random punctuation between them, as people type.
func punctuate(rng *rand.Rand, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i-1] != '+' && rng.Intn(4) == 0 {
			b.WriteByte(punctuation[rng.Intn(len(punctuation))])
			if rng.Intn(8) == 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteByte(s[i])
	}
	if rng.Intn(10) == 0 {
		b.WriteByte(punctuation[rng.Intn(len(punctuation))])
	}
	return b.String()
}

// typedForm keeps a formatted number's characters Parse takes (a format's other characters,
// none in today's metadata, as spaces).
func typedForm(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '+' || strings.ContainsRune(punctuation, r) {
			return r
		}
		return ' '
	}, s)
}

func digitsOf(s string) string { return digitsOnly(s) }

// corpus: for every region, its example numbers of every type in E.164, national and
// international forms, as formatted, with random punctuation, and after the region's
// international prefix, read in the region, in the US and in a random region; the non-geographic
// entities' examples; the US forms in every region; random digit strings of 3 to 17
// digits with and without +, plain and punctuated, read in random regions.
func corpus(seed int64) (in []input, examples int) {
	rng := rand.New(rand.NewSource(seed))
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	randomRegion := func() string { return regions[rng.Intn(len(regions))] }
	add := func(typed string, rs ...string) {
		for _, r := range rs {
			in = append(in, input{typed, r})
		}
	}
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	example := func(n *phonenumbers.PhoneNumber, home string) {
		e164 := phonenumbers.Format(n, phonenumbers.E164)
		nat := typedForm(phonenumbers.Format(n, phonenumbers.NATIONAL))
		intl := typedForm(phonenumbers.Format(n, phonenumbers.INTERNATIONAL))
		for _, s := range []string{e164, nat, intl, punctuate(rng, e164), punctuate(rng, digitsOf(nat)), punctuate(rng, "+"+digitsOf(intl)),
			digitsOf(e164), digitsOf(nat)} {
			add(s, home, "US", randomRegion())
		}
		// Dialled from another region with its international prefix (digits only when the
		// prefix is a pattern).
		from := randomRegion()
		if p := metadataForRegion(from).IntlPrefix; strings.Trim(p, "0123456789") == "" {
			add(p+" "+intl[1:], from)
		}
		add("011 "+digitsOf(intl), "US", "CA")
	}
	for _, r := range regions {
		for _, typ := range types {
			if n := phonenumbers.GetExampleNumberForType(r, typ); n != nil {
				example(n, r)
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if n := phonenumbers.GetExampleNumberForNonGeoEntity(cc); n != nil {
			example(n, "US")
		}
	}
	for _, s := range []string{"(555) 010-2233", "555-010-9999", "1 (415) 555-2671", "011 44 20 7946 0958",
		"+1 555 0100", "555-0100", "(201) 555-0123", "+44 20 7946 0958", "020 7946 0958", "030 123456", "+882345678901"} {
		add(s, regions...)
	}
	examples = len(in)
	for len(in) < 120000 {
		n := 3 + rng.Intn(15)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.Intn(10))
		}
		s := string(b)
		if rng.Intn(2) == 0 {
			s = "+" + s
		}
		if rng.Intn(2) == 0 {
			s = punctuate(rng, s)
		}
		r := randomRegion()
		if rng.Intn(4) == 0 {
			r = "US"
		}
		add(s, r)
	}
	return in, examples
}

// TestEquivalence: over the corpus (120,000+ inputs, seeded), every answer of the package's
// libphonenumber equals the library's: parse error or not, country code, national significant
// number, IsPossibleNumberWithReason, IsValidNumber, GetRegionCodeForNumber, the E.164,
// national and international formats; and Parse equals Parse as it was on the library.
func TestEquivalence(t *testing.T) {
	in, examples := corpus(20261130)
	if len(in) < 100000 {
		t.Fatalf("corpus of %d inputs, want at least 100,000", len(in))
	}
	var parsed, possibleN, validN, failures int
	fail := func(format string, args ...any) {
		failures++
		if failures <= 40 {
			t.Errorf(format, args...)
		}
	}
	for _, c := range in {
		want, wantErr := libParse(c.typed, c.region)
		got, gotErr := Parse(c.typed, c.region)
		if got != want || gotErr != wantErr {
			fail("Parse(%q, %s) = %+v, %v; the library: %+v, %v", c.typed, c.region, got, gotErr, want, wantErr)
		}
		lib, libErr := phonenumbers.Parse(c.typed, c.region)
		n, err := parse(c.typed, c.region)
		if (libErr == nil) != (err == nil) {
			fail("parse(%q, %s): error %v; the library: %v", c.typed, c.region, err, libErr)
			continue
		}
		if err != nil {
			continue
		}
		parsed++
		if n.cc != int(lib.GetCountryCode()) || n.nsn != phonenumbers.GetNationalSignificantNumber(lib) {
			fail("parse(%q, %s) = +%d %s; the library: +%d %s", c.typed, c.region, n.cc, n.nsn, lib.GetCountryCode(), phonenumbers.GetNationalSignificantNumber(lib))
			continue
		}
		if p, lp := possible(n), libValidation[phonenumbers.IsPossibleNumberWithReason(lib)]; p != lp {
			fail("possible(%q, %s) = %d; the library: %d", c.typed, c.region, p, lp)
		} else if p == isPossible {
			possibleN++
		}
		if v, lv := valid(n), phonenumbers.IsValidNumber(lib); v != lv {
			fail("valid(%q, %s) = %v; the library: %v", c.typed, c.region, v, lv)
		} else if v {
			validN++
		}
		if r, lr := regionForNumber(n), phonenumbers.GetRegionCodeForNumber(lib); r != lr {
			fail("regionForNumber(%q, %s) = %q; the library: %q", c.typed, c.region, r, lr)
		}
		for f, lf := range map[numberFormat]phonenumbers.PhoneNumberFormat{e164: phonenumbers.E164, national: phonenumbers.NATIONAL, international: phonenumbers.INTERNATIONAL} {
			if s, ls := format(n, f), phonenumbers.Format(lib, lf); s != ls {
				fail("format(%q, %s, %d) = %q; the library: %q", c.typed, c.region, f, s, ls)
			}
		}
	}
	t.Logf("%d inputs (%d from example numbers and the fixed forms, %d random digit strings): %d parsed, %d possible, %d valid; %d differences", len(in), examples, len(in)-examples, parsed, possibleN, validN, failures)
	if failures > 0 {
		t.Errorf("%d differences from the library", failures)
	}
	// The corpus must exercise each answer, not only refusals.
	if parsed < len(in)/2 || possibleN < len(in)/10 || validN < len(in)/20 {
		t.Errorf("corpus too one-sided: %d parsed, %d possible, %d valid of %d", parsed, possibleN, validN, len(in))
	}
}

// TestCountryEquivalence: Country knows exactly the library's regions.
func TestCountryEquivalence(t *testing.T) {
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			c := string([]rune{a, b})
			want := ""
			if phonenumbers.GetCountryCodeForRegion(c) != 0 {
				want = c
			}
			if got := Country(c); got != want {
				t.Errorf("Country(%q) = %q, the library: %q", c, got, want)
			}
		}
	}
	if got := Country("001"); got != "" {
		t.Errorf("Country(001) = %q", got)
	}
}

// BenchmarkLibraryParse: Parse as it was on the library (libParse), beside BenchmarkParse.
func BenchmarkLibraryParse(b *testing.B) {
	for _, c := range []struct{ name, typed, country string }{{"US", "(201) 555-0123", "US"}, {"GB", "+44 20 7946 0958", "US"}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := libParse(c.typed, c.country); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
