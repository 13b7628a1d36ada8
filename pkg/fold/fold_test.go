package fold

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/referloop/referloop/pkg/fold/internal/tables"
	"golang.org/x/text/unicode/norm"
)

// TestSameAsXText: for every rune of the Basic Multilingual Plane but the Hangul syllables and
// surrogates, both folds equal x/text's decomposition with the combining marks removed.
func TestSameAsXText(t *testing.T) {
	n := 0
	for r := rune(0); r <= 0xFFFF; r++ {
		if r >= 0xAC00 && r <= 0xD7A3 || r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if got, want := Canonical(s), tables.Strip(norm.NFD.String(s)); got != want {
			t.Errorf("Canonical(%U) = %q, want %q", r, got, want)
		}
		if got, want := Compatible(s), tables.Strip(norm.NFKD.String(s)); got != want {
			t.Errorf("Compatible(%U) = %q, want %q", r, got, want)
		}
		n++
	}
	t.Logf("%d runes compared", n)
}

func TestExamples(t *testing.T) {
	for _, c := range []struct{ in, canon, compat string }{
		{"Zoë Ångström", "Zoe Angstrom", "Zoe Angstrom"},
		{"Café ﬁne", "Cafe ﬁne", "Cafe fine"},
		{"Ｒｅｈａｂ ①", "Ｒｅｈａｂ ①", "Rehab 1"},
		{"Nguyễn", "Nguyen", "Nguyen"},
		{"plain", "plain", "plain"},
		{"", "", ""},
		{"bad\xffbyte", "bad\xffbyte", "bad\xffbyte"},
		{"한국", "한국", "한국"},
	} {
		if got := Canonical(c.in); got != c.canon {
			t.Errorf("Canonical(%q) = %q, want %q", c.in, got, c.canon)
		}
		if got := Compatible(c.in); got != c.compat {
			t.Errorf("Compatible(%q) = %q, want %q", c.in, got, c.compat)
		}
	}
	if !utf8.ValidString(Canonical("Zoë")) {
		t.Error("invalid UTF-8 out of valid UTF-8")
	}
}

// TestTablesUpToDate: tables.go is what the generator writes today.
func TestTablesUpToDate(t *testing.T) {
	var b bytes.Buffer
	if err := tables.Write(&b); err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("tables.go")
	if err != nil {
		t.Fatal(err)
	}
	// The committed file is gofmt'ed: compare without whitespace.
	strip := func(x []byte) []byte { return bytes.Join(bytes.Fields(x), nil) }
	if !bytes.Equal(strip(have), strip(b.Bytes())) {
		t.Error("tables.go is out of date: go generate ./pkg/fold")
	}
}
