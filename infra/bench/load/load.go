package load

import (
	"context"
	"errors"
	"time"

	"github.com/referloop/referloop/infra/bench/report"
)

type Options struct {
	Rate int
	For  time.Duration
}

func Run(ctx context.Context, o Options) (report.Part, error) {
	return report.Part{}, errors.New("todo")
}
