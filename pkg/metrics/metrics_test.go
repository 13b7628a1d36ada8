package metrics

import (
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
	s := stat([]int{120, 60, 180}, 60) // minutes → hours
	if *s.Median != 2 || *s.P90 != 3 || s.N != 3 {
		t.Errorf("stat %+v", s)
	}
}

func TestDormant(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	days := func(ago ...int) []int64 {
		var out []int64
		for _, d := range ago {
			out = append(out, now.AddDate(0, 0, -d).Unix())
		}
		return out
	}
	cases := []struct {
		name      string
		at        []int64
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
		d, ok := Dormant(c.at, now)
		if !ok || d.Dormant != c.dormant || d.ThresholdDays != c.threshold {
			t.Errorf("%s: %+v, want dormant=%v threshold %v", c.name, d, c.dormant, c.threshold)
		}
	}
	if iv, _ := MedianInterval(days(1, 3, 10)); iv != 4.5*24*float64ToDuration() {
		t.Errorf("median interval %v", iv)
	}
}

func float64ToDuration() time.Duration { return time.Hour }

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
