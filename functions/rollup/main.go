// Command rollup is the scheduled metric rollup (EventBridge Scheduler).
package main

import (
	// The IANA time zones: this function shows or counts practices' local times (pkg/practice).
	_ "time/tzdata"

	"context"
	"encoding/json"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/rollup"
)

func main() {
	cfg, err := awsenv.Load()
	if err != nil {
		log.Fatalf("rollup: %v", err)
	}
	r := &rollup.Runner{Store: cfg.Store(), Now: time.Now, Log: awsenv.Logger()}
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (rollup.Result, error) { return r.Run(ctx) })
}
