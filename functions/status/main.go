// Command status is the patient status lookup: a code and a date of birth, no sign-in.
package main

import (
	// The IANA time zones: this function shows or counts practices' local times (pkg/practice).
	_ "time/tzdata"

	"log"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Audit) // signs nothing, sends nothing: the table and the audit trail
	if err != nil {
		log.Fatalf("status: %v", err)
	}
	lambdahttp.Start(httpapi.Status(&httpapi.Deps{Store: cfg.Store(), OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
