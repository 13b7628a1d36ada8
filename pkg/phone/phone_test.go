package phone

import "testing"

func TestProbe(t *testing.T) {
	for _, s := range []string{"+1 555 0100", "555-0100", "+1 415 555 0142"} {
		n, err := Parse(s, "US")
		t.Log(s, n, err)
	}
}
