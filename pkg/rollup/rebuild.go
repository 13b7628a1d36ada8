package rollup

import (
	"context"
	"fmt"
	"sync"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// Rebuild recomputes everything from the referrals themselves: it rewrites every fact and every
// bucket (buckets written before the sketches come back in the sketch form), repairs each tenant's
// counters (the work queue's and its referrers': store.RepairCounters, from a consistent read of
// the tenant's referrals), rewrites its views and sets the watermark. It scans the table (parallel
// segments), so it is a repair tool for an operator, never run on a schedule or a request path.
// Run it once after deploying the counters: it sets them for the referrals made before them. The
// store must have a Scanner.
func (r *Runner) Rebuild(ctx context.Context, segments int) (Result, error) {
	lag, _, _, _ := r.defaults()
	if r.Store.Scanner == nil {
		return Result{}, fmt.Errorf("rebuild needs a store with a Scanner")
	}
	start := r.now()
	asOf := start.Add(-lag) // the watermark this rebuild sets: what is due is judged there
	var mu sync.Mutex
	facts := map[string][]metrics.Fact{} // tenant → facts
	partners := map[string]map[string]bool{}
	kinds := map[string]map[string]partner.Partner{}
	partnerOf := func(ctx context.Context, tid, pid string) (partner.Partner, error) {
		mu.Lock()
		m, ok := kinds[tid]
		mu.Unlock()
		if !ok {
			list, err := r.Store.Partners(ctx, tid)
			if err != nil {
				return partner.Partner{}, err
			}
			m = make(map[string]partner.Partner, len(list))
			for _, p := range list {
				m[p.ID] = p
			}
			mu.Lock()
			kinds[tid] = m
			mu.Unlock()
		}
		return m[pid], nil
	}
	err := parallel(ctx, segments, segments, func(seg int) error {
		return r.Store.ScanReferrals(ctx, seg, segments, func(ref referral.Referral) error {
			p, err := partnerOf(ctx, ref.TenantID, ref.Partner.ID)
			if err != nil {
				return err
			}
			f := metrics.FactOf(ref, partner.SourceKind(p.Kind))
			if p.MergedInto != "" { // merged into another partner: counted as that source
				f.Source = p.MergedInto
			}
			mu.Lock()
			facts[ref.TenantID] = append(facts[ref.TenantID], f)
			if partners[ref.TenantID] == nil {
				partners[ref.TenantID] = map[string]bool{}
			}
			partners[ref.TenantID][ref.Partner.ID] = true
			mu.Unlock()
			return nil
		})
	}, nil)
	if err != nil {
		return Result{}, err
	}
	// Facts imported from a practice's history (pkg/history) have no referral behind them: they are
	// kept as they are and counted with the others.
	imported := map[string][]metrics.Fact{}
	err = parallel(ctx, segments, segments, func(seg int) error {
		return store.ScanImportedFacts(ctx, r.Store, seg, segments, func(f metrics.Fact) error {
			mu.Lock()
			imported[f.Tenant] = append(imported[f.Tenant], f)
			if _, ok := facts[f.Tenant]; !ok {
				facts[f.Tenant] = nil
			}
			mu.Unlock()
			return nil
		})
	}, nil)
	if err != nil {
		return Result{}, err
	}
	res := Result{}
	tenants := make([]string, 0, len(facts))
	for t := range facts {
		tenants = append(tenants, t)
	}
	err = parallel(ctx, 8, len(tenants), func(i int) error {
		tid := tenants[i]
		if err := r.Store.PutFacts(ctx, facts[tid]); err != nil {
			return err
		}
		for gran, period := range map[string]func(f metrics.Fact) string{
			"day":   metrics.Fact.Day, // the practice's local day of arrival
			"week":  func(f metrics.Fact) string { return metrics.Week(f.DayTime()) },
			"month": func(f metrics.Fact) string { return metrics.Month(f.DayTime()) },
		} {
			all := append(append([]metrics.Fact(nil), facts[tid]...), imported[tid]...)
			b := metrics.RollupBy(all, period, asOf)
			if err := r.Store.PutBuckets(ctx, tid, gran, flatten(b)); err != nil {
				return err
			}
			mu.Lock()
			switch gran {
			case "day":
				res.Days += len(b)
			case "week":
				res.Weeks += len(b)
			case "month":
				res.Months += len(b)
			}
			mu.Unlock()
		}
		var pids []string
		mu.Lock()
		for pid := range partners[tid] {
			pids = append(pids, pid)
		}
		mu.Unlock()
		load := func(ctx context.Context) ([]referral.Referral, error) { return r.Store.TenantReferrals(ctx, tid, pids) }
		if err := r.Store.RepairCounters(ctx, tid, load, r.now()); err != nil {
			return err
		}
		return r.refreshViews(ctx, tid, r.now())
	}, nil)
	if err != nil {
		return res, err
	}
	for _, f := range facts {
		res.Changes += len(f)
	}
	wm, err := r.Store.Watermark(ctx)
	if err != nil {
		return res, err
	}
	upper := start.Add(-lag)
	if err := r.Store.SetWatermark(ctx, wm, upper); err != nil {
		return res, err
	}
	res.Watermark = upper
	return res, nil
}
