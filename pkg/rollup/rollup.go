// Package rollup computes the metrics buckets on a schedule. Each run reads only the change feed
// since the last successful run's watermark, recomputes exactly the day buckets that changed (from
// the facts of those days) and the weeks and months holding them (from their day buckets), then,
// for each tenant it changed, folds the work queue counter's ended slots and rewrites the views
// (views.go: the standard windows' answers, the partners' scorecards, the sources' health), and
// moves the watermark. Recomputing from facts makes a run idempotent: running twice, or again after
// a crash halfway, writes the same items (the views at a new generation).
package rollup

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/store"
)

// Runner runs the rollup.
type Runner struct {
	Store *store.Store
	Now   func() time.Time
	Log   *slog.Logger
	// Lag keeps the run's upper bound behind now, so writes in flight are read next time.
	Lag time.Duration
	// Overlap re-reads a margin before the watermark (clock skew between writers); rereading is
	// harmless because recomputation is exact.
	Overlap time.Duration
	// FirstRun is how far back a first run (no watermark yet) reads.
	FirstRun time.Duration
	// Workers recompute days in parallel.
	Workers int
	// crashAfter, in tests, fails the run after that many day recomputations (a crash halfway).
	crashAfter int
}

// Result says what a run did.
type Result struct {
	Changes   int       `json:"changes"`
	Days      int       `json:"days"`
	Weeks     int       `json:"weeks"`
	Months    int       `json:"months"`
	From      time.Time `json:"from"`
	Watermark time.Time `json:"watermark"`
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) defaults() (lag, overlap, first time.Duration, workers int) {
	lag, overlap, first, workers = r.Lag, r.Overlap, r.FirstRun, r.Workers
	if lag == 0 {
		lag = 5 * time.Second
	}
	if overlap == 0 {
		overlap = 2 * time.Minute
	}
	if first == 0 {
		first = store.ChangeTTL
	}
	if workers == 0 {
		workers = 8
	}
	return
}

var errCrash = errors.New("simulated crash")

// Run is one incremental run.
func (r *Runner) Run(ctx context.Context) (Result, error) {
	lag, overlap, first, _ := r.defaults()
	wm, err := r.Store.Watermark(ctx)
	if err != nil {
		return Result{}, err
	}
	now := r.now()
	from := wm.Add(-overlap)
	if wm.IsZero() {
		from = now.Add(-first)
	}
	upper := now.Add(-lag)
	res := Result{From: from, Watermark: wm}
	if !upper.After(from) {
		return res, nil
	}
	changed, n, err := r.Store.Changes(ctx, from, upper)
	if err != nil {
		return res, err
	}
	res.Changes = n
	if err := r.recompute(ctx, changed, upper, &res); err != nil {
		return res, err
	}
	if err := r.afterRecompute(ctx, tenantsOf(changed), now); err != nil {
		return res, err
	}
	if err := r.Store.SetWatermark(ctx, wm, upper); err != nil {
		return res, err
	}
	res.Watermark = upper
	if r.Log != nil {
		r.Log.Info("rollup", "changes", res.Changes, "days", res.Days, "weeks", res.Weeks, "months", res.Months, "watermark", upper)
	}
	return res, nil
}

type tenantPeriod struct{ tenant, period string }

// tenantsOf lists the tenants of the changed days, each once.
func tenantsOf(changed []store.TenantDay) []string {
	seen := map[string]bool{}
	var out []string
	for _, td := range changed {
		if !seen[td.Tenant] {
			seen[td.Tenant] = true
			out = append(out, td.Tenant)
		}
	}
	sort.Strings(out)
	return out
}

// recompute rebuilds the day buckets of the changed days as of asOf (the run's upper bound: a
// referral whose contact-by passed by then counts as due), then their weeks and months. A day whose
// referral's contact-by passes later is changed again then: store.PutFact leaves a change marker at
// that time.
func (r *Runner) recompute(ctx context.Context, changed []store.TenantDay, asOf time.Time, res *Result) error {
	_, _, _, workers := r.defaults()
	sort.Slice(changed, func(i, j int) bool {
		if changed[i].Tenant != changed[j].Tenant {
			return changed[i].Tenant < changed[j].Tenant
		}
		return changed[i].Day < changed[j].Day
	})
	weeks, months := map[tenantPeriod]time.Time{}, map[tenantPeriod]time.Time{}
	for _, td := range changed {
		d, err := time.Parse(time.DateOnly, td.Day)
		if err != nil {
			continue
		}
		weeks[tenantPeriod{td.Tenant, metrics.Week(d)}] = d
		months[tenantPeriod{td.Tenant, metrics.Month(d)}] = d
	}
	done := 0
	err := parallel(ctx, workers, len(changed), func(i int) error {
		td := changed[i]
		facts, err := r.Store.Facts(ctx, td.Tenant, td.Day)
		if err != nil {
			return err
		}
		fresh := flatten(metrics.RollupBy(facts, metrics.Fact.Day, asOf))
		// A group the day had and has no more (a partner merged into another: its facts now name the
		// target) is written empty, so the weeks and months stop counting it.
		stored, err := r.Store.Buckets(ctx, td.Tenant, "day", td.Day, td.Day, true)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, b := range fresh {
			have[b.Group] = true
		}
		for _, b := range stored {
			if !have[b.Group] && b.Bucket.Received > 0 {
				fresh = append(fresh, store.StoredBucket{Period: b.Period, Group: b.Group})
			}
		}
		return r.Store.PutBuckets(ctx, td.Tenant, "day", fresh)
	}, func() error {
		done++
		if r.crashAfter > 0 && done >= r.crashAfter {
			return errCrash
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Days = len(changed)
	wk := keys(weeks)
	if err := parallel(ctx, workers, len(wk), func(i int) error {
		d := weeks[wk[i]]
		days := metrics.WeekDays(d)
		return r.merge(ctx, wk[i].tenant, "week", wk[i].period, days[0], days[6])
	}, nil); err != nil {
		return err
	}
	res.Weeks = len(wk)
	mo := keys(months)
	if err := parallel(ctx, workers, len(mo), func(i int) error {
		d := months[mo[i]]
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		return r.merge(ctx, mo[i].tenant, "month", mo[i].period, first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly))
	}, nil); err != nil {
		return err
	}
	res.Months = len(mo)
	return nil
}

// merge writes the buckets of one week or month from the day buckets between from and to.
func (r *Runner) merge(ctx context.Context, tid, granularity, period, from, to string) error {
	days, err := r.Store.Buckets(ctx, tid, "day", from, to, true)
	if err != nil {
		return err
	}
	groups := map[string]*metrics.Bucket{}
	for _, b := range days {
		g := groups[b.Group]
		if g == nil {
			g = &metrics.Bucket{}
			groups[b.Group] = g
		}
		g.Merge(b.Bucket)
	}
	out := make([]store.StoredBucket, 0, len(groups))
	for name, b := range groups {
		b.Normalize()
		out = append(out, store.StoredBucket{Period: period, Group: name, Bucket: *b})
	}
	return r.Store.PutBuckets(ctx, tid, granularity, out)
}

func flatten(m map[string]map[string]*metrics.Bucket) []store.StoredBucket {
	var out []store.StoredBucket
	for period, groups := range m {
		for g, b := range groups {
			out = append(out, store.StoredBucket{Period: period, Group: g, Bucket: *b})
		}
	}
	return out
}

func keys(m map[tenantPeriod]time.Time) []tenantPeriod {
	out := make([]tenantPeriod, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].tenant != out[j].tenant {
			return out[i].tenant < out[j].tenant
		}
		return out[i].period < out[j].period
	})
	return out
}

// ForEach runs fn for 0..n-1 on workers goroutines and returns the first error (which stops the
// rest).
func ForEach(ctx context.Context, workers, n int, fn func(int) error) error {
	return parallel(ctx, workers, n, fn, nil)
}

// parallel runs fn for 0..n-1 on workers goroutines; after, if set, runs after each success (in
// one goroutine at a time) and can stop the work.
func parallel(ctx context.Context, workers, n int, fn func(int) error, after func() error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  int
	)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				err := fn(i)
				mu.Lock()
				if err == nil && after != nil {
					err = after()
				}
				if err != nil && first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
