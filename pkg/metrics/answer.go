package metrics

import (
	"fmt"
	"sort"
	"time"
)

// GroupBys are the ways an answer groups its rows.
var GroupBys = []string{"source", "kind", "week", "month"}

// MaxDayWindow is the longest range answered from day buckets; longer ones use whole months.
const MaxDayWindow = 92 * 24 * time.Hour

// Window is what one answer reads: a granularity and its first and last period (inclusive).
type Window struct {
	Gran string `json:"gran"`
	Lo   string `json:"lo"`
	Hi   string `json:"hi"`
}

// WindowOf is the window of an answer over the days from..to (UTC midnights) grouped by groupBy:
// weeks and months from their own buckets; sources and kinds from days up to 92 days, from whole
// months beyond.
func WindowOf(from, to time.Time, groupBy string) Window {
	switch {
	case groupBy == "week":
		return Window{"week", Week(from), Week(to)}
	case groupBy == "month" || to.Sub(from) > MaxDayWindow:
		return Window{"month", Month(from), Month(to)}
	}
	return Window{"day", DayOf(from), DayOf(to)}
}

// Key names the window and grouping of a stored answer.
func (w Window) Key(groupBy string) string { return w.Gran + "#" + w.Lo + "#" + w.Hi + "#" + groupBy }

// Span is a run of consecutive periods of one granularity.
type Span struct{ Gran, Lo, Hi string }

// Spans cover the window with the fewest buckets, in time order: a day window reads whole ISO weeks
// from week buckets and only the days before the first Monday and after the last Sunday from day
// buckets (a 90-day window: about 13 weeks and 6 days instead of 90 days). A week is the merge of
// its days, so the answer is the same.
func (w Window) Spans() []Span {
	if w.Gran != "day" {
		return []Span{{w.Gran, w.Lo, w.Hi}}
	}
	from, err1 := time.Parse(time.DateOnly, w.Lo)
	to, err2 := time.Parse(time.DateOnly, w.Hi)
	if err1 != nil || err2 != nil || from.After(to) {
		return []Span{{w.Gran, w.Lo, w.Hi}}
	}
	monday := from.AddDate(0, 0, (8-int(from.Weekday()))%7) // the first Monday on or after from
	sunday := to.AddDate(0, 0, -int(to.Weekday()))          // the last Sunday on or before to
	if monday.AddDate(0, 0, 6).After(to) {
		return []Span{{w.Gran, w.Lo, w.Hi}} // no whole week inside
	}
	var out []Span
	if monday.After(from) {
		out = append(out, Span{"day", w.Lo, DayOf(monday.AddDate(0, 0, -1))})
	}
	out = append(out, Span{"week", Week(monday), Week(sunday)})
	if sunday.Before(to) {
		out = append(out, Span{"day", DayOf(sunday.AddDate(0, 0, 1)), w.Hi})
	}
	return out
}

// Cell is one stored bucket and its place: period and group.
type Cell struct {
	Period string
	Group  string
	Bucket Bucket
}

// Row is one row of an answer: a period, a source or a kind, with its numbers.
type Row struct {
	Key string `json:"key"`
	Summary
}

// Answer is what a metrics answer computes from its window's buckets: the total and the rows.
type Answer struct {
	Total Summary `json:"total"`
	Rows  []Row   `json:"rows"`
}

// AnswerOf computes an answer from the cells of its window, in time order: the total (group all)
// and a row per period (week, month: the all group of each), per source or per kind (their groups,
// most received first).
func AnswerOf(cells []Cell, groupBy string) Answer {
	var total Bucket
	rows := map[string]*Bucket{}
	var order []string
	for _, c := range cells {
		var key string
		switch {
		case c.Group == "all":
			total.Merge(c.Bucket)
			if groupBy == "week" || groupBy == "month" {
				key = c.Period
			}
		case groupBy == "source" && len(c.Group) > 4 && c.Group[:4] == "src#":
			key = c.Group[4:]
		case groupBy == "kind" && len(c.Group) > 5 && c.Group[:5] == "kind#":
			key = c.Group[5:]
		}
		if key == "" {
			continue
		}
		if rows[key] == nil {
			rows[key] = &Bucket{}
			order = append(order, key)
		}
		rows[key].Merge(c.Bucket)
	}
	a := Answer{Total: Summarize(total), Rows: make([]Row, 0, len(order))}
	for _, k := range order {
		a.Rows = append(a.Rows, Row{Key: k, Summary: Summarize(*rows[k])})
	}
	if groupBy == "source" || groupBy == "kind" {
		sort.SliceStable(a.Rows, func(i, j int) bool { return a.Rows[i].Received > a.Rows[j].Received })
	}
	return a
}

// HealthWindow is the months a source's health is judged on at now: this month and the eleven
// before it.
func HealthWindow(now time.Time) Window {
	// now's own calendar (a practice's local time), not its UTC day
	return Window{"month", Month(time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, time.UTC)), Month(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC))}
}

// Weeks lists the ISO weeks from lo to hi ("2026-W47"), in order.
func Weeks(lo, hi string) []string {
	start, ok := WeekStart(lo)
	if !ok {
		return nil
	}
	var out []string
	for d := start; len(out) < 600; d = d.AddDate(0, 0, 7) {
		w := Week(d)
		if w > hi {
			break
		}
		out = append(out, w)
	}
	return out
}

// WeekStart is the Monday of an ISO week ("2026-W47").
func WeekStart(key string) (time.Time, bool) {
	var y, w int
	if _, err := fmt.Sscanf(key, "%4d-W%2d", &y, &w); err != nil || w < 1 || w > 53 {
		return time.Time{}, false
	}
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
	wd := int(jan4.Weekday())
	if wd == 0 {
		wd = 7
	}
	return jan4.AddDate(0, 0, 1-wd+7*(w-1)), true
}

// Rhythms are each source's rhythm over the month cells of w (cells of other months are skipped).
func Rhythms(cells []Cell, w Window) map[string]Rhythm {
	merged := map[string]*Bucket{}
	for _, c := range cells {
		if c.Period < w.Lo || c.Period > w.Hi || len(c.Group) <= 4 || c.Group[:4] != "src#" {
			continue
		}
		b := merged[c.Group[4:]]
		if b == nil {
			b = &Bucket{}
			merged[c.Group[4:]] = b
		}
		b.Merge(c.Bucket)
	}
	out := make(map[string]Rhythm, len(merged))
	for id, b := range merged {
		out[id] = RhythmOf(*b)
	}
	return out
}

// SourceMonths is one source's answer over the month cells of w: its total and a row per month.
func SourceMonths(cells []Cell, w Window, source string) Answer {
	var total Bucket
	a := Answer{Rows: []Row{}}
	for _, c := range cells {
		if c.Group != "src#"+source || c.Period < w.Lo || c.Period > w.Hi {
			continue
		}
		total.Merge(c.Bucket)
		a.Rows = append(a.Rows, Row{Key: c.Period, Summary: Summarize(c.Bucket)})
	}
	a.Total = Summarize(total)
	return a
}

// Presets are the ranges the portal offers, ending at now's day: the last 30 and 90 days, and the
// last 12 months (from the first of the month eleven months back).
func Presets(now time.Time) [][2]time.Time {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return [][2]time.Time{
		{today.AddDate(0, 0, -29), today},
		{today.AddDate(0, 0, -89), today},
		{time.Date(today.Year(), today.Month()-11, 1, 0, 0, 0, 0, time.UTC), today},
	}
}

// Standard is one precomputed answer: a window and a grouping.
type Standard struct {
	Window  Window
	GroupBy string
}

// Standards are the answers the rollup keeps ready at now: every preset, every grouping.
func Standards(now time.Time) []Standard {
	seen := map[string]bool{}
	var out []Standard
	for _, p := range Presets(now) {
		for _, g := range GroupBys {
			w := WindowOf(p[0], p[1], g)
			if k := w.Key(g); !seen[k] {
				seen[k] = true
				out = append(out, Standard{w, g})
			}
		}
	}
	return out
}
