package phone

import (
	"fmt"
	"os"
	"testing"
)

// TestMain checks the package did nothing at init, before any test uses it: no metadata read, no
// pattern compiled (a Lambda's cold start pays for neither until a request reads a number).
func TestMain(m *testing.M) {
	compiled := 0
	regexps.Range(func(_, _ any) bool { compiled++; return true })
	if loaded != nil || compiled > 0 {
		fmt.Fprintf(os.Stderr, "pkg/phone did work at init: metadata loaded %v, %d patterns compiled\n", loaded != nil, compiled)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
