// Command pipeline moves referrals through their lifecycle: transitions, answers, queue, ratings.
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
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Signing)
	if err != nil {
		log.Fatalf("pipeline: %v", err)
	}
	lambdahttp.Start(httpapi.Pipeline(&httpapi.Deps{Store: cfg.Store(), Signer: cfg.Signer(), OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
