// Command notifier consumes the table's stream (audit of writes, patient codes, metric facts, the
// emails and text messages that close the loop) and sends the daily digests on a schedule.
package main

import (
	// The IANA time zones: this function shows or counts practices' local times (pkg/practice).
	_ "time/tzdata"

	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/notify/sesmail"
	"github.com/referloop/referloop/pkg/notify/snssms"
)

func main() {
	cfg, err := awsenv.Load(awsenv.Signing, awsenv.Mail, awsenv.Links, awsenv.Audit, awsenv.Texts)
	if err != nil {
		log.Fatalf("notifier: %v", err)
	}
	n := &notifier.Notifier{Store: cfg.Store(), Mailer: sesmail.New(cfg.AWS, cfg.Sender), Signer: cfg.Signer(),
		Origin: cfg.PortalOrigin, Log: awsenv.Logger(), SMS: &snssms.SNS{Config: cfg.AWS},
		Texts: notifier.TextRules{Countries: cfg.SMSCountries, PerPracticeMonth: cfg.SMSPerPracticeMonth, PerMonth: cfg.SMSPerMonth}}
	lambda.Start(n.Invoke)
}
