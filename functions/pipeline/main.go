// Command pipeline moves referrals through their lifecycle: transitions, answers, queue, ratings.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(httpapi.Pipeline(awsenv.APIDeps(awsenv.Config(), nil)).Handler())
}
