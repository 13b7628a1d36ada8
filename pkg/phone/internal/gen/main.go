// Command gen writes pkg/phone/metadata.json.gz (run by `go generate ./pkg/phone`) from
// libphonenumber's metadata in github.com/nyaruka/phonenumbers, the version in go.mod.
package main

import (
	"log"
	"os"

	"github.com/referloop/referloop/pkg/phone/internal/phonegen"
)

func main() {
	b, err := phonegen.Gzip()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("metadata.json.gz", b, 0o644); err != nil {
		log.Fatal(err)
	}
}
