// Command metrics serves the dashboard's numbers and partner scorecards from the rollup's buckets.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(httpapi.Metrics(awsenv.APIDeps(awsenv.Config(), nil)).Handler())
}
