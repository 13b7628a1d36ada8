// Command notifier consumes the table's stream (audit of writes, patient codes, metric facts, the
// emails and text messages that close the loop) and sends the daily digests on a schedule.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/notifier"
	"github.com/referloop/referloop/pkg/notify/sesmail"
	"github.com/referloop/referloop/pkg/notify/snssms"
)

func main() {
	cfg := awsenv.Config()
	deps := awsenv.APIDeps(cfg, sesmail.FromEnv(cfg))
	n := &notifier.Notifier{Store: deps.Store, Mailer: deps.Mailer, Signer: deps.Signer, Origin: deps.Origin, Log: deps.Log,
		SMS: &snssms.SNS{Client: sns.NewFromConfig(cfg)}}
	lambda.Start(n.Invoke)
}
