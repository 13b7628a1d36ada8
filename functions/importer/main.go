// Command importer applies CSV imports: the table's stream brings it each import chunk the network
// function wrote (template.yaml filters on the chunk's type).
package main

import (
	// The IANA time zones: this function shows or counts practices' local times (pkg/practice).
	_ "time/tzdata"

	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/importer"
)

func main() {
	cfg, err := awsenv.Load()
	if err != nil {
		log.Fatalf("importer: %v", err)
	}
	im := &importer.Importer{Store: cfg.Store(), Log: awsenv.Logger()}
	lambda.Start(im.Handle)
}
