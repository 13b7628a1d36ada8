// Command outreach serves the outreach workflow: touches and what followed them, the due list,
// whom to reach out to, templates, automatic thank-you switches and outreach emails.
package main

import (
	// The IANA time zones: this function shows or counts practices' local times (pkg/practice).
	_ "time/tzdata"

	"log"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
	"github.com/referloop/referloop/pkg/notify/sesmail"
)

func main() {
	cfg, err := awsenv.Load(awsenv.HTTP, awsenv.Signing, awsenv.Mail, awsenv.Links)
	if err != nil {
		log.Fatalf("outreach: %v", err)
	}
	lambdahttp.Start(httpapi.Outreach(&httpapi.Deps{Store: cfg.Store(), Signer: cfg.Signer(), Mailer: sesmail.New(cfg.AWS, cfg.Sender),
		Origin: cfg.PortalOrigin, OriginVerify: cfg.OriginVerify, Log: awsenv.Logger()}).Handler())
}
