// Command auth is the onboarding and sign-in function: practice sign-up, magic links, sessions.
package main

import (
	"log"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
	"github.com/referloop/referloop/pkg/notify/sesmail"
)

func main() {
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Signing, awsenv.Mail, awsenv.Links)
	if err != nil {
		log.Fatalf("auth: %v", err)
	}
	lambdahttp.Start(httpapi.Auth(&httpapi.Deps{Store: cfg.Store(), Signer: cfg.Signer(),
		Mailer: sesmail.New(cfg.AWS, cfg.Sender), Origin: cfg.PortalOrigin, OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
