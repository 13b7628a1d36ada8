// Command practice is the practice administration function: intake profile, partners, invitations.
package main

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
	"github.com/referloop/referloop/pkg/notify/sesmail"
)

func main() {
	cfg := awsenv.Config()
	mailer := &sesmail.SES{Client: sesv2.NewFromConfig(cfg), From: os.Getenv("SENDER_EMAIL")}
	lambdahttp.Start(httpapi.Practice(awsenv.APIDeps(cfg, mailer)).Handler())
}
