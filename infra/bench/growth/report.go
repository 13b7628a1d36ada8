package growth

import (
	"fmt"
	"math"
	"strings"

	"github.com/referloop/referloop/infra/bench/report"
)

// figure is one line of the growth table.
type figure struct {
	name, unit string
	dec        int
	of         func(Size) float64
	// ideal is the slope a flat figure has: 1 for a request path, the volume ratio for work that
	// is a fixed share of the volume.
	ideal func(first, last Size) float64
	// budget: the request paths must stay within 1.05 of flat.
	budget bool
	how    string
}

func flat(Size, Size) float64        { return 1 }
func proportional(a, b Size) float64 { return float64(b.Referrals) / float64(a.Referrals) }

var figures = []figure{
	{"metrics API, a year by source: read units per request", "RCU", 1, func(s Size) float64 { return s.BySource.Read }, flat, true,
		"GET /v1/metrics?groupBy=source over the last 12 months: session, partners, the tenant's health item, the window's view, the watermark"},
	{"metrics API, a year by week: read units per request", "RCU", 1, func(s Size) float64 { return s.ByWeek.Read }, flat, true,
		"GET /v1/metrics?groupBy=week over the same months"},
	{"metrics API, a year by source: median latency", "ms", 2, func(s Size) float64 { return s.BySourceMs }, flat, false,
		"in-process handler, 20 warm requests"},
	{"metrics API, a year by week: median latency", "ms", 2, func(s Size) float64 { return s.ByWeekMs }, flat, false,
		"in-process handler, 20 warm requests"},
	{"queue counts (GET /v1/queue): read units per request", "RCU", 1, func(s Size) float64 { return s.Queue.Read }, flat, true,
		"session check + one GetItem of the tenant's counter"},
	{"largest item written", "B", 0, func(s Size) float64 { return float64(s.Largest) }, flat, false,
		"every item the seed, the 1% change and the rollup wrote, and the counter item after them, by DynamoDB's size rules"},
	{"rollup after 1% changed: read units per changed referral", "RCU", 2, func(s Size) float64 { return s.Rollup.Read / float64(s.Changed) }, flat, false,
		"one incremental run: the change feed, the facts of the changed days, the day buckets of their weeks and months, the reads of the views"},
	{"rollup after 1% changed: write units per changed referral", "WCU", 2, func(s Size) float64 { return s.Rollup.Write / float64(s.Changed) }, flat, false,
		"the changed days' buckets, their weeks' and months', the views and the counter's fold"},
	{"rollup after 1% changed: read units", "RCU", 0, func(s Size) float64 { return s.Rollup.Read }, proportional, false,
		"the whole run (1% of the volume changed, so 1% more work per run is the ideal)"},
	{"rollup after 1% changed: write units", "WCU", 0, func(s Size) float64 { return s.Rollup.Write }, proportional, false,
		"the whole run"},
	{"rollup after 1% changed: wall time", "s", 2, func(s Size) float64 { return s.RollupSecs }, proportional, false,
		"the whole run, DynamoDB Local on the same 2 cores"},
	{"before: queue counts by COUNT queries: read units", "RCU", 1, func(s Size) float64 { return s.QueueBefore.Read }, flat, false,
		"what GET /v1/queue read before the counters: a COUNT query per work queue status and per awaiting status up to now, each reading every matching index entry"},
	{"without views: a year by source from the buckets: read units", "RCU", 1, func(s Size) float64 { return s.BySourceRaw.Read }, flat, false,
		"the month buckets the answer is computed from when no view is current (a new month's first minutes): bounded by the sketches' bins, growing until they fill"},
	{"without views: a year by week from the buckets: read units", "RCU", 1, func(s Size) float64 { return s.ByWeekRaw.Read }, flat, false,
		"the week buckets of the year, every group"},
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// rows: each figure at the largest size, beside the same figure at the smallest (the floor): the
// ratio is the slope.
func rows(sizes []Size) []report.Row {
	first, last := sizes[0], sizes[len(sizes)-1]
	var out []report.Row
	for _, f := range figures {
		v, fl := f.of(last), f.of(first)
		ideal := f.ideal(first, last)
		r := report.NewRow(fmt.Sprintf("%s, at %s referrals", f.name, thousands(last.Referrals)), v, fl, f.unit,
			fmt.Sprintf("the same at %s referrals; the ratio is the slope, ideal %.2f", thousands(first.Referrals), ideal), f.how).WithDecimals(f.dec)
		if f.budget {
			slope := v / fl
			r = r.WithBudget("slope ≤ 1.05", fl > 0 && slope <= 1.05)
		}
		out = append(out, r)
	}
	return out
}

// table is the growth table: each figure at every size, its slope and the ideal.
func table(sizes []Size) string {
	first, last := sizes[0], sizes[len(sizes)-1]
	var b strings.Builder
	b.WriteString("\n**The growth table.** One tenant at each size; the slope is the figure at the largest size over the figure at the smallest.\n\n| figure |")
	for _, s := range sizes {
		fmt.Fprintf(&b, " %s |", thousands(s.Referrals))
	}
	b.WriteString(" slope | ideal |\n|---|")
	for range sizes {
		b.WriteString("---|")
	}
	b.WriteString("---|---|\n")
	for _, f := range figures {
		fmt.Fprintf(&b, "| %s (%s) |", strings.TrimSuffix(f.name, ""), f.unit)
		for _, s := range sizes {
			fmt.Fprintf(&b, " %.*f |", f.dec, f.of(s))
		}
		slope := math.NaN()
		if f.of(first) != 0 {
			slope = f.of(last) / f.of(first)
		}
		fmt.Fprintf(&b, " %.2f | %.2f |\n", slope, f.ideal(first, last))
	}
	b.WriteString("\n| seed and run |")
	for _, s := range sizes {
		fmt.Fprintf(&b, " %s items in %.0f s; %s changed; %d days recomputed |", thousands(s.Seeded), s.SeedSecs, thousands(s.Changed), s.RollupDays)
	}
	b.WriteString(" | |\n")
	b.WriteString("| largest item |")
	for _, s := range sizes {
		fmt.Fprintf(&b, " %s |", s.LargestIs)
	}
	b.WriteString(" | |\n")
	return b.String()
}

// arithmetic is the paper estimate at 1,000,000 referrals in one tenant and at 10,000 tenants:
// the hottest key and its share of DynamoDB's per-partition limits (3,000 RCU and 1,000 WCU a
// second), from the figures measured at the largest size.
func arithmetic(s Size) string {
	const (
		yearSecs = 365 * 24 * 3600.0
		peak     = 10.0 // the busiest hour against the year's average rate
		rcuLimit = 3000.0
		wcuLimit = 1000.0
	)
	kb := func(b int) float64 { return math.Max(1, math.Ceil(float64(b)/1024)) }
	var b strings.Builder
	b.WriteString("\n**On paper: 1,000,000 referrals in one tenant, and 10,000 tenants.** From the figures measured at the largest size: ")
	fmt.Fprintf(&b, "%.1f writes per referral over its life (its versions), a change marker of %d B, the counter item %d B and its transaction %.1f WCU per change (marker and counter, transactions billed twice). ", s.Versions, s.ChangeMarker, s.Counter, s.CounterWCU)
	b.WriteString("The busiest hour is taken as 10× the year's average rate (business hours, Monday mornings). Request paths are flat in volume (the slopes above), so their units at 1,000,000 are those measured; what grows is the write rate on a few keys.\n\n")

	type load struct {
		key, what, rate string
		share           float64 // of the partition's limit
		limit           string
	}
	section := func(title string, loads []load) load {
		b.WriteString("| key (partition) | what lands on it | per second at the peak | share of its partition's limit |\n|---|---|---|---|\n")
		fmt.Fprintf(&b, "| **%s** | | | |\n", title)
		hot := loads[0]
		for _, l := range loads {
			fmt.Fprintf(&b, "| %s | %s | %s | %.1f%% of %s |\n", l.key, l.what, l.rate, 100*l.share, l.limit)
			if l.share > hot.share {
				hot = l
			}
		}
		return hot
	}

	// One tenant at 1,000,000 referrals a year.
	changes := 1_000_000.0 * s.Versions / yearSecs * peak
	staff := 200.0
	audit := staff/10*2 + changes
	queueReads := staff / 30 * s.Queue.Read
	dash := staff / 300 * 3 * s.BySource.Read
	hot := section("1,000,000 referrals a year, one tenant", []load{
		{"`T#<t>#QUEUE` (work queue counter and counted markers)", fmt.Sprintf("every change: one transaction, %.1f WCU", s.CounterWCU),
			fmt.Sprintf("%.2f changes → %.1f WCU", changes, changes*s.CounterWCU), changes * s.CounterWCU / wcuLimit, "1,000 WCU"},
		{"`T#<t>#AUDIT#<day>` (audit records)", fmt.Sprintf("every read of referrals by %.0f staff (one every 10 s each, 2 WCU: a list names 25 ids) and every change (1 WCU)", staff),
			fmt.Sprintf("%.1f WCU", audit), audit / wcuLimit, "1,000 WCU"},
		{"GSI1 `T#<t>#REF` (the work queue index)", "every change moves the referral's entry: a delete and a put, 1 WCU each",
			fmt.Sprintf("%.1f WCU", 2*changes), 2 * changes / wcuLimit, "1,000 WCU"},
		{"`T#<t>#QUEUE` read by GET /v1/queue", fmt.Sprintf("%.0f staff opening the queue every 30 s, %.1f RCU a request (session check included)", staff, s.Queue.Read),
			fmt.Sprintf("%.1f RCU", queueReads), queueReads / rcuLimit, "3,000 RCU"},
		{"`T#<t>#VIEW` read by the Metrics page", fmt.Sprintf("%.0f staff loading the dashboard every 5 minutes: 3 requests of %.1f RCU", staff, s.BySource.Read),
			fmt.Sprintf("%.1f RCU", dash), dash / rcuLimit, "3,000 RCU"},
	})
	fmt.Fprintf(&b, "\nAt 1,000,000 the hottest key is %s, at %.1f%% of its partition's limit (%s). Nothing on a request path reads in proportion to the volume, and the largest item stays about %d B (a bucket fed 1,000,000 facts is under 7 KB in the store's test). The rollup's run after 1%% changed grows with the changes it reads (%.2f RCU and %.2f WCU per changed referral here): 10,000 changes in a run would be about %.0f RCU and %.0f WCU.\n\n",
		hot.key, 100*hot.share, hot.limit, s.Largest, s.Rollup.Read/float64(s.Changed), s.Rollup.Write/float64(s.Changed),
		10_000*s.Rollup.Read/float64(s.Changed), 10_000*s.Rollup.Write/float64(s.Changed))

	// 10,000 tenants at the earlier benchmark's 1,000 referrals a year each.
	all := 10_000 * 1_000.0 * s.Versions / yearSecs * peak
	marker := kb(s.ChangeMarker)
	feed := all * 900 * float64(max(s.ChangeMarker, 1)) / 4096 // a quarter hour of markers, consistent reads
	wm := 10_000 * 2.0 / 3600 * 3 * 0.5
	hot = section("10,000 tenants × 1,000 referrals a year", []load{
		{"`CHG#<hour>` (the change feed: every tenant's changes)", fmt.Sprintf("one change marker per change, %.0f WCU", marker),
			fmt.Sprintf("%.1f changes → %.1f WCU", all, all*marker), all * marker / wcuLimit, "1,000 WCU"},
		{"`CHG#<hour>` read by the rollup", "every 15 minutes a run reads the quarter hour's markers (consistent, 1 RCU per 4 KB) within about 2 s",
			fmt.Sprintf("%.0f RCU a run, ~%.0f RCU/s while it reads", feed, feed/2), feed / 2 / rcuLimit, "3,000 RCU"},
		{"`ROLLUP`/`WATERMARK` (global)", "read by every metrics request (asOf): 2 dashboard loads an hour per tenant, 3 requests of 0.5 RCU",
			fmt.Sprintf("%.1f RCU", wm), wm / rcuLimit, "3,000 RCU"},
	})
	fmt.Fprintf(&b, "\nAt 10,000 tenants the hottest key is %s, at %.1f%% of its partition's limit; every tenant's own keys carry a thousandth of the 1,000,000-referral tenant's load, and the watermark every metrics request reads stays under 1%%. The global change feed is the first key to shard (`CHG#<hour>#<n>`, n from the tenant) if the volume grows a hundredfold.\n",
		hot.key, 100*hot.share)
	return b.String()
}
