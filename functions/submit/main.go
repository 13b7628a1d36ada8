// Command submit is the referral submission function.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(httpapi.Submit(awsenv.APIDeps(awsenv.Config(), nil)).Handler())
}
