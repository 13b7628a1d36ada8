package report

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestRowsRoundTripAndRender(t *testing.T) {
	dir := t.TempDir()
	p := Part{Name: "capacity", Title: "2. Capacity", Ran: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), Seconds: 9, Machine: "m",
		Rows: []Row{
			NewRow("submit: write units", 2, 2, "WCU", "one item + one index", "metered").WithBudget("≤ 3 WCU", true),
			NewRow("referral read: write units", 1, 0, "WCU", "no write", "metered").WithNote("an audit record"),
			NewRow("cost", 2.59, 2.53, "$", "floor", "prices").WithBudget("≤ $2.50", false).WithDecimals(3),
		}}
	if err := Save(dir, p); err != nil {
		t.Fatal(err)
	}
	parts, err := Load(dir, []string{"coldstart", "capacity"})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || !parts[0].Ran.IsZero() || parts[1].Name != "capacity" || len(parts[1].Rows) != 3 {
		t.Fatalf("loaded %+v", parts)
	}
	if !math.IsNaN(parts[1].Rows[1].Ratio) || parts[1].Rows[0].Ratio != 1 {
		t.Errorf("ratios after a round trip: %v, %v", parts[1].Rows[0].Ratio, parts[1].Rows[1].Ratio)
	}
	md := Markdown(parts, "intro")
	for _, want := range []string{
		"Not run yet: `make bench-coldstart`",
		"| submit: write units | 2 WCU | 2 WCU (one item + one index) | 1.00× | ≤ 3 WCU: met |",
		"| referral read: write units | 1 WCU | 0 WCU (no write) | Δ +1 WCU |",
		"**Note:** an audit record",
		"| capacity | cost | $2.590 | ≤ $2.50 | **NOT met** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

// A part not run here keeps its section and its budget lines from the document being rewritten.
func TestKeepSectionsOfPartsNotRun(t *testing.T) {
	ran := Part{Name: "capacity", Title: "2. Capacity", Ran: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), Machine: "m",
		Rows: []Row{NewRow("submit", 2, 2, "WCU", "floor", "metered").WithBudget("≤ 3 WCU", true)}}
	old := Markdown([]Part{{Name: "coldstart", Title: "1. Cold start", Ran: ran.Ran, Machine: "m",
		Rows: []Row{NewRow("cold start", 6, 4, "ms", "hello", "launches").WithBudget("≤ 5 ms", false)}, Notes: []string{"a note"},
		Detail: "| coldstart | a detail row, not a budget |"}, ran}, "intro")
	parts := []Part{{Name: "coldstart"}, ran, {Name: "growth"}}
	Keep(parts, old)
	md := Markdown(parts, "intro")
	for _, want := range []string{"## 1. Cold start", "- a note", "| coldstart | cold start | 6 ms | ≤ 5 ms | **NOT met** |",
		"## 2. Capacity", "Not run yet: `make bench-growth`"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(md, "## 1. Cold start") != 1 || strings.Count(md, "| coldstart | cold start |") != 1 {
		t.Errorf("a kept section twice:\n%s", md)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{4, 1, 3, 2}
	if Median(xs) != 2.5 || Quantile(xs, 0) != 1 || Quantile(xs, 1) != 4 || !math.IsNaN(Median(nil)) {
		t.Errorf("median %v", Median(xs))
	}
}
