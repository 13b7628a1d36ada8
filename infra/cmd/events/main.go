// Command events fills events/*.json with live sessions and ids from a running local stack (`make
// dev`) into a folder of its own (`make events`: .data/events/), so each event can be sent by hand:
// `sam local invoke <Function> -e .data/events/<event>.json`, or curl to aws-lambda-rie.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/referloop/referloop/infra/eventfill"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:3000", "the local stack (make dev)")
	dir := flag.String("events", "events", "the events to fill")
	out := flag.String("out", ".data/events", "where the filled events go")
	flag.Parse()
	if err := eventfill.New(*base).Run(*dir, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "events:", err)
		os.Exit(1)
	}
}
