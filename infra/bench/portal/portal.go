package portal

import (
	"context"
	"errors"

	"github.com/referloop/referloop/infra/bench/report"
)

func Run(ctx context.Context) (report.Part, error) { return report.Part{}, errors.New("todo") }
