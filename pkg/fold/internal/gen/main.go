// Command gen writes pkg/fold's tables from golang.org/x/text/unicode/norm: for every rune of the
// Basic Multilingual Plane but the Hangul syllables, what it folds to with its combining marks
// (unicode.Mn) removed, after canonical (NFD) and compatibility (NFKD) decomposition, where that
// differs from the rune itself. Run by `go generate ./pkg/fold`.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"

	"github.com/referloop/referloop/pkg/fold/internal/tables"
)

func main() {
	out := "tables.go"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	var b bytes.Buffer
	if err := tables.Write(&b); err != nil {
		log.Fatal(err)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", out, len(src))
}
