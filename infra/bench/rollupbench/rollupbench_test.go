package rollupbench

import (
	"context"
	"testing"

	"github.com/referloop/referloop/infra/dynamotest"
)

// The benchmark itself, small: it must run and report sane numbers (make bench runs it at full size).
func TestSmallRun(t *testing.T) {
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Run(context.Background(), Options{Root: root, Tenants: 3, Referrals: 300})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		t.Logf("%-55s %10.2f %s (floor %.2f) %s", r.Figure, r.Value, r.Unit, r.Floor, r.How)
		if r.Value <= 0 {
			t.Errorf("%s: %v", r.Figure, r.Value)
		}
	}
	if inc, full := p.Rows[4].Value, p.Rows[4].Floor; inc >= full {
		t.Errorf("incremental read %v RCU, not less than the rebuild's %v", inc, full)
	}
}
