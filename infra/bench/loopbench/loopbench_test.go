package loopbench

import (
	"context"
	"testing"

	"github.com/referloop/referloop/infra/dynamotest"
)

// The benchmark, small: every figure measured and the loop closes (make bench runs it in full).
func TestSmallRun(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Run(context.Background(), Options{Root: root, Rounds: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		t.Logf("%s: %.0f %s (floor %.0f)", r.Figure, r.Value, r.Unit, r.Floor)
		if r.Value <= 0 || r.Floor <= 0 {
			t.Errorf("%s not measured", r.Figure)
		}
	}
}
