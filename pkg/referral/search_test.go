package referral

import (
	"reflect"
	"testing"
)

func TestParseSearch(t *testing.T) {
	cases := []struct {
		q    string
		want []SearchWord
		ok   bool
	}{
		{"Silva", []SearchWord{{"name", "silva", "n:silva"}}, true},
		{"silvestersen", []SearchWord{{"name", "silvestersen", "n:silveste"}}, true},
		{"04/02/1980", []SearchWord{{"dob", "1980-04-02", "d:1980-04-02"}}, true},
		{"4/2/1980", []SearchWord{{"dob", "1980-04-02", "d:1980-04-02"}}, true},
		{"1980-04-02", []SearchWord{{"dob", "1980-04-02", "d:1980-04-02"}}, true},
		{"R-7K3M9Q2P", []SearchWord{{"ref", "r7k3m9q2p", "r:r7k3m9q2p"}}, true},
		{"r-7k3m9q2p", []SearchWord{{"ref", "r7k3m9q2p", "r:r7k3m9q2p"}}, true},
		{"Østergård", []SearchWord{{"name", "ostergard", "n:ostergar"}}, true},
		{"a", nil, false},
		{"  ", nil, false},
		{"13/45/1980", []SearchWord{{"name", "13451980", "n:13451980"}}, true}, // not a date: read as text
	}
	for _, c := range cases {
		got, ok := ParseSearch(c.q)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %+v %v, want %+v %v", c.q, got, ok, c.want, c.ok)
		}
	}
}

func TestSearchTermsFindWhatMatches(t *testing.T) {
	r := Referral{ULID: "01JD0000000000000007K3M9Q2P"[:26], Patient: Patient{FirstName: "Mary-Ann", LastName: "O'Neil", DateOfBirth: "1980-04-02"}}
	terms := map[string]bool{}
	for _, term := range SearchTerms(r) {
		terms[term] = true
	}
	cases := []struct {
		q     string
		match bool
	}{
		{"mary", true}, {"ann", true}, {"oneil", true}, {"o'neil", true}, {"ma on", true}, {"04/02/1980", true},
		{"mary 04/02/1981", false}, {"anne", false}, {"neil", false}, {r.Ref(), true}, {"R-00000000", false},
	}
	for _, c := range cases {
		words, ok := ParseSearch(c.q)
		if !ok {
			t.Fatalf("%q does not parse", c.q)
		}
		if got := Matches(r, words); got != c.match {
			t.Errorf("%q matches %v, want %v", c.q, got, c.match)
		}
		// Whatever matches is found: the term read for it is one of the referral's.
		if c.match && !terms[Best(words).Term] {
			t.Errorf("%q reads %s, which the referral is not indexed under (%v)", c.q, Best(words).Term, terms)
		}
	}
}
