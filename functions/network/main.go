// Command network is the referral network function: the partner record, its list, CSV imports
// (planned here, applied by the importer) and exports.
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
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Signing, awsenv.Audit) // the referrals export appends to the audit trail
	if err != nil {
		log.Fatalf("network: %v", err)
	}
	lambdahttp.Start(httpapi.Network(&httpapi.Deps{Store: cfg.Store(), Signer: cfg.Signer(), OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
