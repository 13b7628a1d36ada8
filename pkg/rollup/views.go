package rollup

import (
	"context"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// afterRecompute keeps what reads a tenant's numbers flat in its volume, for each tenant whose
// buckets this run rewrote: it folds the work queue counter's ended slots (or, the first time,
// repairs the counter from the tenant's referrals: counters deployed over existing referrals start
// from zero), and writes the views (the standard windows' answers, each partner's scorecard and
// the sources' health) at the tenant's next generation.
func (r *Runner) afterRecompute(ctx context.Context, tenants []string, now time.Time) error {
	_, _, _, workers := r.defaults()
	return parallel(ctx, workers, len(tenants), func(i int) error {
		tid := tenants[i]
		repaired, err := r.Store.CountersRepaired(ctx, tid)
		if err != nil {
			return err
		}
		if repaired {
			err = r.Store.FoldCounters(ctx, tid, now)
		} else {
			err = r.repairCounters(ctx, tid, now)
		}
		if err != nil {
			return err
		}
		return r.refreshViews(ctx, tid, now)
	}, nil)
}

// repairCounters sets a tenant's counters from its referrals (every partner's partition).
func (r *Runner) repairCounters(ctx context.Context, tid string, now time.Time) error {
	kinds, err := r.Store.PartnerKinds(ctx, tid)
	if err != nil {
		return err
	}
	pids := make([]string, 0, len(kinds))
	for pid := range kinds {
		pids = append(pids, pid)
	}
	load := func(ctx context.Context) ([]referral.Referral, error) { return r.Store.TenantReferrals(ctx, tid, pids) }
	return r.Store.RepairCounters(ctx, tid, load, now)
}

// refreshViews computes and writes a tenant's views from its buckets (read consistently).
func (r *Runner) refreshViews(ctx context.Context, tid string, now time.Time) error {
	gen := int64(1)
	if h, err := r.Store.HealthOf(ctx, tid, true); err == nil {
		gen = h.Gen + 1
	} else if !store.IsNotFound(err) {
		return err
	}
	// The standard windows end on the practice's own day (as the portal's presets do): its time
	// zone from its profile.
	if p, err := r.Store.Practice(ctx, tid); err == nil {
		now = now.In(p.Location())
	} else if !store.IsNotFound(err) {
		return err
	}
	cr := &cellReader{r: r, tid: tid}
	hw := metrics.HealthWindow(now)
	months, err := cr.get(ctx, "month", hw.Lo, hw.Hi)
	if err != nil {
		return err
	}
	v := store.Views{Gen: gen, Answers: map[string]metrics.Answer{}, Scorecards: map[string]metrics.Answer{},
		Health: store.Health{Window: hw, Sources: metrics.Rhythms(months, hw)}}
	for src := range v.Health.Sources {
		v.Scorecards[src] = metrics.SourceMonths(months, hw, src)
	}
	for _, st := range metrics.Standards(now) {
		var cells []store.StoredBucket
		if st.GroupBy == "week" { // the rows and total of a week window read only the all group
			cells, err = cr.allWeeks(ctx, st.Window.Lo, st.Window.Hi)
		} else {
			for _, sp := range st.Window.Spans() {
				var part []store.StoredBucket
				if part, err = cr.get(ctx, sp.Gran, sp.Lo, sp.Hi); err != nil {
					break
				}
				cells = append(cells, part...)
			}
		}
		if err != nil {
			return err
		}
		v.Answers[st.Window.Key(st.GroupBy)] = metrics.AnswerOf(cells, st.GroupBy)
	}
	return r.Store.PutViews(ctx, tid, v)
}

// cellReader reads a tenant's buckets for several windows, each run of periods once: a window
// inside one already read is cut from it.
type cellReader struct {
	r      *Runner
	tid    string
	loaded []loadedRun
	weeks  map[string]store.StoredBucket // the all group's weeks
}

type loadedRun struct {
	gran, lo, hi string
	cells        []store.StoredBucket
}

func (cr *cellReader) get(ctx context.Context, gran, lo, hi string) ([]store.StoredBucket, error) {
	for _, l := range cr.loaded {
		if l.gran == gran && l.lo <= lo && hi <= l.hi {
			var out []store.StoredBucket
			for _, c := range l.cells {
				if c.Period >= lo && c.Period <= hi {
					out = append(out, c)
				}
			}
			return out, nil
		}
	}
	cells, err := cr.r.Store.Buckets(ctx, cr.tid, gran, lo, hi, true)
	if err != nil {
		return nil, err
	}
	cr.loaded = append(cr.loaded, loadedRun{gran, lo, hi, cells})
	return cells, nil
}

// allWeeks reads the all group's weeks from lo to hi, one GetItem each (a week's other groups are
// not needed; reading them would cost as many items again per source and kind).
func (cr *cellReader) allWeeks(ctx context.Context, lo, hi string) ([]store.StoredBucket, error) {
	if cr.weeks == nil {
		cr.weeks = map[string]store.StoredBucket{}
	}
	var todo []string
	for _, w := range metrics.Weeks(lo, hi) {
		if _, ok := cr.weeks[w]; !ok {
			todo = append(todo, w)
		}
	}
	var mu sync.Mutex
	err := parallel(ctx, 8, len(todo), func(i int) error {
		b, _, err := cr.r.Store.BucketAt(ctx, cr.tid, "week", todo[i], "all", true)
		if err == nil {
			mu.Lock()
			cr.weeks[todo[i]] = b // empty when the week has none
			mu.Unlock()
		}
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	var out []store.StoredBucket
	for _, w := range metrics.Weeks(lo, hi) {
		if b := cr.weeks[w]; b.Group != "" {
			out = append(out, b)
		}
	}
	return out, nil
}
