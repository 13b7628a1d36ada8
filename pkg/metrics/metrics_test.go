package metrics

import (
	"math"
	"testing"
	"time"
)

func TestPercentilesAndMedians(t *testing.T) {
	cases := []struct {
		values      []int
		median, p90 float64
	}{
		{[]int{5}, 5, 5},
		{[]int{1, 2}, 1.5, 2},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5.5, 9},
		{[]int{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110}, 60, 100},
		{[]int{7, 7, 7, 100}, 7, 100},
	}
	for _, c := range cases {
		m, _ := Median(c.values)
		p, _ := Percentile(c.values, 90)
		if m != c.median || float64(p) != c.p90 {
			t.Errorf("%v: median %v p90 %v, want %v %v", c.values, m, p, c.median, c.p90)
		}
	}
	if _, ok := Median(nil); ok {
		t.Error("median of nothing")
	}
	var sk Sketch
	for _, v := range []float64{120, 60, 180} {
		sk.Add(v)
	}
	s := stat(sk, 60) // minutes → hours, within 1%
	if *s.Median != 2 || *s.P90 != 3 || s.N != 3 || !s.Estimate || s.RelativeError != Accuracy {
		t.Errorf("stat %+v", s)
	}
	if e := stat(Sketch{}, 60); e.N != 0 || e.Median != nil || e.Estimate {
		t.Errorf("empty stat %+v", e)
	}
}

func TestDormant(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	days := func(ago ...int) Bucket {
		var b Bucket
		for _, d := range ago {
			b.Add(Fact{Received: now.AddDate(0, 0, -d)}, now)
		}
		b.Normalize()
		return b
	}
	cases := []struct {
		name      string
		at        Bucket
		dormant   bool
		threshold float64
	}{
		{"weekly sender quiet 31 days", days(31, 38, 45, 52), true, 30},     // median 7d → 2×=14d, floor 30d
		{"weekly sender quiet 20 days", days(20, 27, 34, 41), false, 30},    // under the 30-day floor
		{"monthly sender quiet 50 days", days(50, 80, 110, 140), false, 60}, // 2 × 30 days
		{"monthly sender quiet 61 days", days(61, 91, 121), true, 60},
		{"two referrals, 59 days", days(59, 100), false, 60},
		{"one referral, 61 days", days(61), true, 60},
	}
	for _, c := range cases {
		// The threshold follows the median gap, an estimate within 1%.
		d, ok := RhythmOf(c.at).Dormant(now)
		if !ok || d.Dormant != c.dormant || math.Abs(d.ThresholdDays-c.threshold) > c.threshold*Accuracy+0.05 || d.Referrals != c.at.Received {
			t.Errorf("%s: %+v, want dormant=%v threshold %v", c.name, d, c.dormant, c.threshold)
		}
	}
	if iv, _ := MedianInterval(days(1, 3, 10)); math.Abs(iv.Hours()-4.5*24) > 4.5*24*Accuracy {
		t.Errorf("median interval %v", iv)
	}
	if _, ok := MedianInterval(days(1)); ok {
		t.Error("a median interval of one referral")
	}
	if _, ok := (Rhythm{}).Dormant(now); ok {
		t.Error("the rhythm of no referral")
	}
}

func TestPeriods(t *testing.T) {
	d := time.Date(2026, 1, 1, 15, 0, 0, 0, time.UTC) // a Thursday in ISO week 2026-W01
	if Week(d) != "2026-W01" || Month(d) != "2026-01" || DayOf(d) != "2026-01-01" {
		t.Fatalf("%s %s %s", Week(d), Month(d), DayOf(d))
	}
	days := WeekDays(d)
	if days[0] != "2025-12-29" || days[6] != "2026-01-04" {
		t.Fatalf("week days %v", days)
	}
	if Week(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) != "2026-W53" {
		t.Fatalf("ISO week year: %s", Week(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
}

func TestWindowsAndSpans(t *testing.T) {
	if got := Weeks("2025-W52", "2026-W02"); len(got) != 3 || got[0] != "2025-W52" || got[2] != "2026-W02" {
		t.Fatalf("weeks %v", got)
	}
	if got := Weeks("2026-W53", "2027-W01"); len(got) != 2 { // 2026 has 53 ISO weeks
		t.Fatalf("weeks %v", got)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	// 90 days, Wednesday to Sunday: the days to the first Monday, whole weeks, nothing after.
	w := WindowOf(day("2026-08-26"), day("2026-11-22"), "source")
	sp := w.Spans()
	if w.Gran != "day" || len(sp) != 2 || sp[0] != (Span{"day", "2026-08-26", "2026-08-30"}) || sp[1] != (Span{"week", "2026-W36", "2026-W47"}) {
		t.Fatalf("%+v: spans %+v", w, sp)
	}
	if sp := WindowOf(day("2026-11-18"), day("2026-11-23"), "kind").Spans(); len(sp) != 1 || sp[0].Gran != "day" {
		t.Fatalf("no whole week: %+v", sp)
	}
	if w := WindowOf(day("2025-12-01"), day("2026-11-23"), "source"); w != (Window{"month", "2025-12", "2026-11"}) {
		t.Fatalf("a year by source: %+v", w)
	}
	if hw := HealthWindow(time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)); hw != (Window{"month", "2025-04", "2026-03"}) {
		t.Fatalf("health window %+v", hw)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	if hw := HealthWindow(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC).In(la)); hw != (Window{"month", "2025-12", "2026-11"}) {
		t.Fatalf("health window of 30 November in Los Angeles (1 December UTC): %+v", hw)
	}
	if n := len(Standards(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))); n != 12 {
		t.Fatalf("%d standard answers, want 3 presets × 4 groupings", n)
	}
}
