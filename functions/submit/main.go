// Command submit is the referral submission function.
package main

import (
	"log"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Signing)
	if err != nil {
		log.Fatalf("submit: %v", err)
	}
	lambdahttp.Start(httpapi.Submit(&httpapi.Deps{Store: cfg.Store(), Signer: cfg.Signer(), OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
