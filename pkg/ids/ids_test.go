package ids

import (
	"strings"
	"testing"
	"time"
)

func TestULIDRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 4, 5, 6e6, time.UTC)
	u := NewULID(at)
	if len(u) != 26 {
		t.Fatalf("len %d", len(u))
	}
	canon, got, err := ParseULID(strings.ToLower(u))
	if err != nil || canon != u || !got.Equal(at) {
		t.Fatalf("ParseULID(%q) = %q %v %v, want %q %v", u, canon, got, err, u, at)
	}
	if a, b := NewULID(at), NewULID(at.Add(time.Millisecond)); a[:10] >= b[:10] {
		t.Fatalf("ULIDs not time ordered: %s >= %s", a, b)
	}
}

func TestParseULIDRejects(t *testing.T) {
	for _, s := range []string{"", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01ARZ3NDEKTSV4RRFFQ69G5FAU",
		"81ARZ3NDEKTSV4RRFFQ69G5FAV", "01ARZ3NDEKTSV4RRFFQ69G5FA!"} {
		if _, _, err := ParseULID(s); err == nil {
			t.Errorf("ParseULID(%q) accepted", s)
		}
	}
	if _, at, err := ParseULID("01ARZ3NDEKTSV4RRFFQ69G5FAV"); err != nil || at.UnixMilli() != 1469922850259 {
		t.Fatalf("known ULID: %v %v", at.UnixMilli(), err)
	}
}

func TestShortAndToken(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		s := Short("p_")
		if len(s) != 14 || !strings.HasPrefix(s, "p_") || seen[s] {
			t.Fatalf("bad or repeated id %q", s)
		}
		seen[s] = true
	}
	if tok := Token(32); len(tok) != 43 {
		t.Fatalf("token length %d", len(tok))
	}
	if EmailKey(" Dr.Chen@Example.com ") != EmailKey("dr.chen@example.com") {
		t.Fatal("EmailKey does not normalize")
	}
}
