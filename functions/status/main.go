// Command status is the patient status lookup: a code and a date of birth, no sign-in.
package main

import (
	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/lambdahttp"
)

func main() {
	lambdahttp.Start(httpapi.Status(awsenv.APIDeps(awsenv.Config(), nil)).Handler())
}
