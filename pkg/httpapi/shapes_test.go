package httpapi

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written checks accept exactly what the regular expressions they replace accepted.
func TestEdgeShapesMatchTheirPatterns(t *testing.T) {
	id := regexp.MustCompile(`^[A-Za-z0-9=_.-]{1,64}$`)
	host := regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	inputs := []string{"", "a", "-", "a-", "-a", "a-b", "a.b", "a..b", ".a", "a.", "A", "app.referloop.example", "xn--bcher-kva.example",
		"a_b", "a=b", "yKqzh2Lnn39IHp=", "a b", "ä", "1.2.3.4", "a.-b.c", "a.b-.c", strings.Repeat("a", 64), strings.Repeat("a", 65)}
	for _, in := range inputs {
		if got, want := requestIDChars(in), id.MatchString(in); got != want {
			t.Errorf("requestIDChars(%q) = %v, the pattern says %v", in, got, want)
		}
		if got, want := hostName(in), host.MatchString(in); got != want {
			t.Errorf("hostName(%q) = %v, the pattern says %v", in, got, want)
		}
	}
}
