package growth

import (
	"context"
	"strings"
	"testing"

	"github.com/referloop/referloop/infra/dynamotest"
)

// The benchmark itself, small: it must run and report sane numbers (make bench-growth runs it at
// 10,000, 100,000 and 300,000 referrals).
func TestSmallRun(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Run(context.Background(), Options{Root: root, Sizes: []int{500, 1500}, Partners: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		t.Logf("%-80s %10.2f %s (at the smallest %.2f)", r.Figure, r.Value, r.Unit, r.Floor)
		if r.Value <= 0 {
			t.Errorf("%s: %v", r.Figure, r.Value)
		}
		if strings.HasPrefix(r.Figure, "queue counts") && r.Value != r.Floor {
			t.Errorf("%s: %v RCU, %v at a third of the volume", r.Figure, r.Value, r.Floor)
		}
	}
	for _, want := range []string{"The growth table", "1,000,000 referrals a year, one tenant", "10,000 tenants", "hottest key is"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("the detail lacks %q", want)
		}
	}
	t.Log(p.Detail)
}
