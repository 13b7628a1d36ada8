// Command practice is the practice administration function: intake profile, partners, invitations.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
	"github.com/referloop/referloop/pkg/notify/sesmail"
)

func main() {
	cfg := awsenv.Config()
	lambdahttp.Start(httpapi.Practice(awsenv.APIDeps(cfg, sesmail.FromEnv(cfg))).Handler())
}
