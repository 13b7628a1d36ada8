// Command rollup is the scheduled metric rollup (EventBridge Scheduler).
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/referloop/referloop/pkg/awsenv"
	"github.com/referloop/referloop/pkg/rollup"
	"github.com/referloop/referloop/pkg/store"
)

func main() {
	cfg := awsenv.Config()
	r := &rollup.Runner{Store: store.New(awsenv.DynamoDB(cfg), os.Getenv("TABLE_NAME")), Now: time.Now,
		Log: slog.New(slog.NewJSONHandler(os.Stdout, nil))}
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (rollup.Result, error) { return r.Run(ctx) })
}
