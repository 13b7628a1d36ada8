// Command auth is the onboarding and sign-in function: practice sign-up, magic links, sessions.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
	"github.com/referloop/referloop/pkg/notify/sesmail"
)

func main() {
	cfg := awsenv.Config()
	lambdahttp.Start(httpapi.Auth(awsenv.APIDeps(cfg, sesmail.FromEnv(cfg))).Handler())
}
