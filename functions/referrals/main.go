// Command referrals is the referral status function: lists and single reads.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(httpapi.Referrals(awsenv.APIDeps(awsenv.Config(), nil)).Handler())
}
