// Command referrals is the referral status function: lists and single reads.
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
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Signing, awsenv.Audit)
	if err != nil {
		log.Fatalf("referrals: %v", err)
	}
	lambdahttp.Start(httpapi.Referrals(&httpapi.Deps{Store: cfg.Store(), Signer: cfg.Signer(), OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
