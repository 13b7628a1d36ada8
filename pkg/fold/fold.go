// Package fold takes the accents off letters, for the staff queue's search terms and practices'
// slugs: "Zoë Ångström" reads "Zoe Angstrom". It is Unicode's canonical (NFD) or compatibility
// (NFKD) decomposition with the combining marks (unicode.Mn) removed, from tables generated from
// golang.org/x/text/unicode/norm (`go generate ./pkg/fold`) for every rune of the Basic
// Multilingual Plane but the Hangul syllables, which stay as they are; runes beyond the plane also
// stay as they are. The tests hold both folds equal to x/text's for every rune they cover.
//
// Why not x/text itself: its normalization tables put ~250 KB into every function that folds (the
// auth, practice and notifier bootstraps were over the 10 MiB budget); these tables are static
// data, a fraction of that, with nothing done at init.
package fold

//go:generate go run ./internal/gen

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Canonical is s decomposed canonically (NFD), combining marks removed: "é" → "e", "ﬁ" stays.
func Canonical(s string) string { return apply(s, 0) }

// Compatible is s decomposed for compatibility (NFKD), combining marks removed: "é" → "e",
// "ﬁ" → "fi", "Ｒ" → "R", "①" → "1".
func Compatible(s string) string { return apply(s, 1) }

func apply(s string, k int) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if f, ok := lookup(r, k); ok && size > 1 {
			b.WriteString(f)
		} else {
			b.WriteString(s[i : i+size]) // as it is (an invalid byte too)
		}
		i += size
	}
	return b.String()
}

// lookup is r's fold of kind k (0 canonical, 1 compatibility), when it differs from r.
func lookup(r rune, k int) (string, bool) {
	if r < 0xA0 || r > 0xFFFF { // ASCII and the C1 controls never decompose
		return "", false
	}
	i := sort.Search(len(runes), func(i int) bool { return rune(runes[i]) >= r })
	if i == len(runes) || rune(runes[i]) != r {
		return "", false
	}
	return data[offsets[2*i+k]:offsets[2*i+k+1]], true
}
