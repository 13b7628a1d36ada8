package referral

import (
	"strings"
	"time"
	"unicode"

	"github.com/referloop/referloop/pkg/fold"
)

// The staff queue's search finds a referral by the patient's name (the start of any word of the
// first or last name), date of birth, or reference. Each referral is indexed under terms: "n:" and
// a name prefix of one of PrefixLengths (or the whole word), "d:" and the ISO date of birth, "r:"
// and the reference; the store keeps them only as keyed hashes (store.FindKey), never as text.
// A search reads the one term of its most telling word and checks the others on the referrals
// found (Matches).

// PrefixLengths are the name prefix lengths indexed: a word typed is looked up by its longest
// prefix among them (a longer word is checked in full on the referrals found).
var PrefixLengths = []int{2, 3, 4, 5, 6, 8}

// letters NFD does not decompose, spelled as a keyboard without them would type them.
var plainLetters = strings.NewReplacer("ø", "o", "æ", "ae", "œ", "oe", "ß", "ss", "ł", "l", "đ", "d", "ð", "d", "þ", "th", "ı", "i")

// foldWord lowercases a word and drops its accents and everything but letters and digits.
func foldWord(s string) string {
	var b strings.Builder
	for _, r := range fold.Canonical(plainLetters.Replace(strings.ToLower(s))) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameWords are the folded words of a patient's names ("Mary-Ann O'Neil" → mary, ann, oneil).
func nameWords(p Patient) []string {
	var out []string
	for _, part := range []string{p.FirstName, p.LastName} {
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return unicode.IsSpace(r) || r == '-' }) {
			if f := foldWord(w); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// SearchTerms are the terms a referral is found by: its name prefixes, date of birth, reference.
func SearchTerms(r Referral) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, w := range nameWords(r.Patient) {
		runes := []rune(w)
		for _, n := range PrefixLengths {
			if len(runes) >= n {
				add("n:" + string(runes[:n]))
			}
		}
		if len(runes) >= PrefixLengths[0] {
			add("n:" + w)
		}
	}
	if r.Patient.DateOfBirth != "" {
		add("d:" + r.Patient.DateOfBirth)
	}
	add("r:" + foldWord(r.Ref()))
	return out
}

// SearchWord is one word of a search: what kind it is and the term it is looked up by.
type SearchWord struct {
	Kind string // "name", "dob", "ref"
	Text string // folded: a name prefix, an ISO date, a folded reference
	Term string
}

// ParseSearch reads a staff search ("silva 04/02/1980", "R-7K3M9Q2P", "ana si"): dates as typed in
// the US (MM/DD/YYYY) or ISO, references with or without their "R-", names by the start of a word.
// ok is false when no word is long enough to look up (a name needs two letters).
func ParseSearch(q string) (words []SearchWord, ok bool) {
	for _, raw := range strings.Fields(q) {
		if d, isDate := searchDate(raw); isDate {
			words = append(words, SearchWord{Kind: "dob", Text: d, Term: "d:" + d})
			continue
		}
		f := foldWord(raw)
		if isRef(raw, f) {
			words = append(words, SearchWord{Kind: "ref", Text: f, Term: "r:" + f})
			continue
		}
		runes := []rune(f)
		if len(runes) < PrefixLengths[0] {
			continue
		}
		n := PrefixLengths[0]
		for _, l := range PrefixLengths {
			if len(runes) >= l {
				n = l
			}
		}
		words = append(words, SearchWord{Kind: "name", Text: f, Term: "n:" + string(runes[:n])})
	}
	return words, len(words) > 0
}

// Best is the word a search reads: a date or a reference (few referrals each), else the longest name.
func Best(words []SearchWord) SearchWord {
	best := words[0]
	rank := func(w SearchWord) int {
		switch w.Kind {
		case "ref":
			return 1000
		case "dob":
			return 900
		}
		return len(w.Text)
	}
	for _, w := range words[1:] {
		if rank(w) > rank(best) {
			best = w
		}
	}
	return best
}

// Matches says whether a referral matches every word of a search.
func Matches(r Referral, words []SearchWord) bool {
	names := nameWords(r.Patient)
	for _, w := range words {
		switch w.Kind {
		case "dob":
			if r.Patient.DateOfBirth != w.Text {
				return false
			}
		case "ref":
			if foldWord(r.Ref()) != w.Text {
				return false
			}
		default:
			hit := false
			for _, n := range names {
				hit = hit || strings.HasPrefix(n, w.Text)
			}
			if !hit {
				return false
			}
		}
	}
	return true
}

// isRef says whether a word is a reference: "R-" and 8 letters or digits (folded "r" + 8).
func isRef(raw, folded string) bool {
	return len(folded) == 9 && folded[0] == 'r' && (strings.HasPrefix(strings.ToUpper(raw), "R-") || strings.ContainsAny(folded[1:], "0123456789"))
}

// searchDate reads a date as typed: MM/DD/YYYY (or M/D/YYYY, with - or .) or YYYY-MM-DD.
func searchDate(s string) (string, bool) {
	for _, layout := range []string{"2006-01-02", "01/02/2006", "1/2/2006", "01-02-2006", "1-2-2006", "01.02.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}
