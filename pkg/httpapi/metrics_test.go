package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/rollup"
)

func TestMetricsAndScorecards(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Metrics Clinic", "owner@metrics.example")
	other := e.practice("Other Clinic", "owner@other.example")
	refA, pidA := e.referrer(owner, "Alpha FM", "dr@alpha.example")
	refB, pidB := e.referrer(owner, "Beta Chiro", "dr@beta.example")
	refX, _ := e.referrer(other, "Xeno FM", "dr@xeno.example")
	var ids []string
	for _, c := range []*client{refA, refA, refB} {
		r, _ := c.submit("Low back pain")
		ids = append(ids, r.body["id"].(string))
	}
	refX.submit("Neck pain")
	// Move the first through to seen, quickly.
	r := owner.do("GET", "/v1/referrals/"+ids[0], nil)
	r = move(owner, ids[0], etag(r), map[string]any{"to": "accepted"})
	r = move(owner, ids[0], etag(r), map[string]any{"to": "contacted", "contact": map[string]string{"outcome": "reached", "channel": "phone"}})
	r = move(owner, ids[0], etag(r), map[string]any{"to": "scheduled", "appointment": map[string]any{"at": time.Now().Add(-30 * time.Minute), "location": "Room 1"}})
	r = move(owner, ids[0], etag(r), map[string]any{"to": "seen"})
	if r.status != 200 {
		t.Fatal(r.raw)
	}
	e.pump()
	runner := &rollup.Runner{Store: e.store, Lag: time.Nanosecond, FirstRun: time.Hour}
	time.Sleep(5 * time.Millisecond)
	if _, err := runner.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	m := owner.do("GET", "/v1/metrics?groupBy=source", nil)
	if m.status != 200 {
		t.Fatalf("metrics: %d %s", m.status, m.raw)
	}
	total := m.body["total"].(map[string]any)
	if total["received"].(float64) != 3 || total["seen"].(float64) != 1 || total["contacted"].(float64) != 1 || total["showRate"].(float64) != 1 {
		t.Fatalf("total %v", total)
	}
	groups := m.body["groups"].([]any)
	if len(groups) != 2 || groups[0].(map[string]any)["key"] != pidA || groups[0].(map[string]any)["received"].(float64) != 2 ||
		groups[0].(map[string]any)["label"] != "Alpha FM" {
		t.Fatalf("groups %v", groups)
	}
	if m := other.do("GET", "/v1/metrics?groupBy=source", nil); m.body["total"].(map[string]any)["received"].(float64) != 1 {
		t.Fatalf("tenants' metrics mix: %s", m.raw)
	}
	for _, q := range []string{"?groupBy=week", "?groupBy=month", "?groupBy=kind", "?from=2026-01-01&to=2026-12-31&groupBy=source"} {
		if x := owner.do("GET", "/v1/metrics"+q, nil); x.status != 200 {
			t.Fatalf("%s: %d %s", q, x.status, x.raw)
		}
	}
	if x := owner.do("GET", "/v1/metrics?groupBy=color&from=yesterday", nil); x.status != 422 || len(x.fields()) != 2 {
		t.Fatalf("bad query: %d %s", x.status, x.raw)
	}
	sc := owner.do("GET", "/v1/partners/"+pidB+"/scorecard", nil)
	if sc.status != 200 || sc.body["received"].(float64) != 1 || sc.body["health"].(map[string]any)["dormant"] != false {
		t.Fatalf("scorecard: %d %s", sc.status, sc.raw)
	}
	if x := other.do("GET", "/v1/partners/"+pidB+"/scorecard", nil); x.status != 404 {
		t.Fatalf("another tenant's scorecard: %d", x.status)
	}
	if x := refA.do("GET", "/v1/metrics", nil); x.status != 403 {
		t.Fatalf("referrer reads metrics: %d", x.status)
	}
	mine := refA.do("GET", "/v1/scorecard", nil)
	if mine.status != 200 || mine.body["sent"].(float64) != 2 || mine.body["seen"].(float64) != 0 || mine.body["medianDaysToContact"] == nil {
		// The patient did not consent to share outcomes: the referrer does not learn of the visit.
		t.Fatalf("referrer scorecard: %d %s", mine.status, mine.raw)
	}
}
