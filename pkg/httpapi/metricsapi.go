package httpapi

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Metrics is the metrics function: the dashboard's numbers and a partner's scorecard, read from the
// buckets the scheduled rollup writes.
func Metrics(d *Deps) *API {
	return &API{Name: "metrics", deps: d, Routes: []Route{
		{"GET", "/v1/metrics", d.staff(d.metrics)},
		{"GET", "/v1/partners/{id}/scorecard", d.staff(d.scorecard)},
	}}
}

// MaxMetricsDays is the longest range one request may ask for.
const MaxMetricsDays = 3 * 366

// Group is one row of a metrics answer.
type Group struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	metrics.Summary
}

// SourceHealth says how a referral source is doing: its rhythm and whether it went quiet.
type SourceHealth struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	metrics.Dormancy
	MedianDaysBetweenReferrals *float64 `json:"medianDaysBetweenReferrals"`
}

// Accuracy says which figures of an answer are estimates and how close they are: counts (and the
// shares computed from them) are exact; medians and 90th percentiles come from quantile sketches and
// are within RelativeError of the exact values.
type Accuracy struct {
	Counts        string   `json:"counts"`
	RelativeError float64  `json:"relativeError"`
	Estimates     []string `json:"estimates"`
}

var metricsAccuracy = Accuracy{Counts: "exact", RelativeError: metrics.Accuracy, Estimates: []string{
	"hoursToContact.median", "hoursToContact.p90", "hoursToSchedule.median", "hoursToSchedule.p90",
	"hoursToVisit.median", "hoursToVisit.p90", "formSeconds.median", "formSeconds.p90", "medianDaysBetweenReferrals",
	"sources.medianDaysBetweenReferrals", "sources.thresholdDays"}}

// MetricsView is the answer of GET /v1/metrics.
type MetricsView struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	GroupBy  string          `json:"groupBy"`
	AsOf     *time.Time      `json:"asOf"`
	Total    metrics.Summary `json:"total"`
	Groups   []Group         `json:"groups"`
	Sources  []SourceHealth  `json:"sources"`
	Accuracy Accuracy        `json:"accuracy"`
}

func (d *Deps) metrics(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q := r.URL.Query()
	now, err := d.localNow(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	var f valid.Fields
	to := parseDay(&f, "to", q.Get("to"), now)
	from := parseDay(&f, "from", q.Get("from"), to.AddDate(0, 0, -89))
	groupBy := q.Get("groupBy")
	if groupBy == "" {
		groupBy = "month"
	}
	switch groupBy {
	case "source", "kind", "week", "month":
	default:
		f.Add("groupBy", "must be source, kind, week or month")
	}
	if f.Empty() && from.After(to) {
		f.Add("from", "must not be after to")
	}
	if f.Empty() && to.Sub(from) > MaxMetricsDays*24*time.Hour {
		f.Addf("from", "the range may span at most %d days", MaxMetricsDays)
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	partners, err := d.Store.Partners(ctx, c.Tenant)
	if err != nil {
		return err
	}
	names := map[string]partner.Partner{}
	for _, p := range partners {
		names[p.ID] = p
	}
	// Weeks and months come from their own buckets; a range of sources or kinds from day buckets
	// when short, month buckets (whole months) when long.
	win := metrics.WindowOf(from, to, groupBy)
	view := MetricsView{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), GroupBy: groupBy, Groups: []Group{},
		Accuracy: metricsAccuracy}
	if win.Gran == "month" {
		view.From = win.Lo + "-01"
		view.To = time.Date(to.Year(), to.Month()+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	// The rollup's views: the window's answer, if it was computed at the tenant's current generation
	// (one item); else the answer from the window's buckets.
	health, fresh, err := d.health(ctx, c.Tenant, now)
	if err != nil {
		return err
	}
	var cells []store.StoredBucket
	answer, ok, err := d.storedAnswer(ctx, c.Tenant, health, win.Key(groupBy))
	if err != nil {
		return err
	}
	if !ok {
		if cells, err = d.Store.Cells(ctx, c.Tenant, win, false); err != nil {
			return err
		}
		answer = metrics.AnswerOf(cells, groupBy)
	}
	view.Total = answer.Total
	for _, row := range answer.Rows {
		label := row.Key
		if groupBy == "source" {
			label = names[row.Key].Name
			if label == "" {
				label = "(removed partner)"
			}
		}
		view.Groups = append(view.Groups, Group{Key: row.Key, Label: label, Summary: row.Summary})
	}
	rhythms := health.Sources
	if !fresh {
		hw := metrics.HealthWindow(now)
		if cells == nil || win.Gran != "month" || win.Lo > hw.Lo || win.Hi < hw.Hi {
			// not the same months the health check reads: one more Query
			if cells, err = d.Store.Buckets(ctx, c.Tenant, "month", hw.Lo, hw.Hi, false); err != nil {
				return err
			}
		}
		rhythms = metrics.Rhythms(cells, hw)
	}
	view.Sources = sourceHealth(partners, rhythms, now)
	if wm, err := d.Store.Watermark(ctx); err == nil && !wm.IsZero() {
		view.AsOf = &wm
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// localNow is now in the practice's time zone: its days (the default window's end, the presets the
// rollup keeps answers for, the health window's months) end at its own midnight.
// A tenant without a profile (the benchmarks' seeded tenants; none in use) counts in UTC, as the
// rollup does.
func (d *Deps) localNow(ctx context.Context, tid string) (time.Time, error) {
	f, err := d.practiceFacts(ctx, tid)
	if store.IsNotFound(err) {
		return d.now().UTC(), nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return d.now().In(f.loc), nil
}

// health reads the tenant's health item: the generation of its views and, when fresh (computed for
// the health window of now), each source's rhythm.
func (d *Deps) health(ctx context.Context, tid string, now time.Time) (store.Health, bool, error) {
	h, err := d.Store.HealthOf(ctx, tid, false)
	if store.IsNotFound(err) {
		return store.Health{Gen: -1}, false, nil
	}
	if err != nil {
		return h, false, err
	}
	return h, h.Window == metrics.HealthWindow(now), nil
}

// storedAnswer reads the rollup's answer for a window, if it is of the current generation.
func (d *Deps) storedAnswer(ctx context.Context, tid string, h store.Health, key string) (metrics.Answer, bool, error) {
	if h.Gen < 0 {
		return metrics.Answer{}, false, nil
	}
	a, gen, err := d.Store.StoredAnswer(ctx, tid, key)
	if store.IsNotFound(err) {
		return a, false, nil
	}
	return a, err == nil && gen == h.Gen, err
}

// sourceHealth judges each partner's rhythm over the last 12 months (this month and the eleven
// before it), the same window as a partner's scorecard.
func sourceHealth(partners []partner.Partner, rhythms map[string]metrics.Rhythm, now time.Time) []SourceHealth {
	out := make([]SourceHealth, 0, len(partners))
	for _, p := range partners {
		h := SourceHealth{ID: p.ID, Name: p.Name, Kind: partner.SourceKind(p.Kind)}
		rh := rhythms[p.ID]
		if dm, ok := rh.Dormant(now); ok {
			h.Dormancy = dm
		} else {
			// Never referred in the window: quiet if known for more than 60 days.
			h.Dormancy = metrics.Dormancy{Dormant: now.Sub(p.CreatedAt) > 60*24*time.Hour, ThresholdDays: 60}
		}
		h.MedianDaysBetweenReferrals = rh.MedianDays()
		out = append(out, h)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dormant && !out[j].Dormant })
	return out
}

func parseDay(f *valid.Fields, field, v string, def time.Time) time.Time {
	if v == "" {
		return time.Date(def.Year(), def.Month(), def.Day(), 0, 0, 0, 0, time.UTC)
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		f.Add(field, "must be a date written YYYY-MM-DD")
		return def
	}
	return t
}

// Scorecard is a partner's last 12 months.
type Scorecard struct {
	Partner partner.Partner `json:"partner"`
	metrics.Summary
	Health   SourceHealth `json:"health"`
	Months   []Group      `json:"months"`
	Accuracy Accuracy     `json:"accuracy"`
}

func (d *Deps) scorecard(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	now, err := d.localNow(ctx, c.Tenant)
	if err != nil {
		return err
	}
	hw := metrics.HealthWindow(now)
	health, fresh, err := d.health(ctx, c.Tenant, now)
	if err != nil {
		return err
	}
	var months metrics.Answer
	rhythm, referred := health.Sources[p.ID]
	switch {
	case fresh && !referred: // nothing from this partner in the window: nothing to read
		months = metrics.SourceMonths(nil, hw, p.ID)
	case fresh:
		a, gen, err := d.Store.StoredScorecard(ctx, c.Tenant, p.ID, hw)
		if err == nil && gen == health.Gen {
			months = a
			break
		} else if err != nil && !store.IsNotFound(err) {
			return err
		}
		fresh = false
	}
	if !fresh {
		cells, err := d.Store.Buckets(ctx, c.Tenant, "month", hw.Lo, hw.Hi, false)
		if err != nil {
			return err
		}
		months, rhythm = metrics.SourceMonths(cells, hw, p.ID), metrics.Rhythms(cells, hw)[p.ID]
	}
	sc := Scorecard{Partner: p, Summary: months.Total, Months: []Group{}, Accuracy: metricsAccuracy}
	for _, m := range months.Rows {
		sc.Months = append(sc.Months, Group{Key: m.Key, Label: m.Key, Summary: m.Summary})
	}
	sc.Health = sourceHealth([]partner.Partner{p}, map[string]metrics.Rhythm{p.ID: rhythm}, now)[0]
	writeJSON(w, http.StatusOK, sc)
	return nil
}

// ReferrerScorecard is what a referrer sees of its own referrals.
type ReferrerScorecard struct {
	Sent                int      `json:"sent"`
	Seen                int      `json:"seen"`
	Open                int      `json:"open"`
	MedianDaysToContact *float64 `json:"medianDaysToContact"`
	Accuracy            Accuracy `json:"accuracy"`
}

// referrerScorecard reads the referrer's own numbers, kept by the stream consumer (one item): every
// referral they sent, counting only outcomes the patients consented to share.
func (d *Deps) referrerScorecard(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	st, err := d.referrerStats(r.Context(), c) // with their former partners' after a merge (mergeapi.go)
	if err != nil {
		return err
	}
	sc := ReferrerScorecard{Sent: st.Sent, Seen: st.Seen, Open: st.Open,
		Accuracy: Accuracy{Counts: "exact", RelativeError: metrics.Accuracy, Estimates: []string{"medianDaysToContact"}}}
	if m, ok := st.ToContact.Median(); ok {
		x := float64(int(m/60/24*10+0.5)) / 10
		sc.MedianDaysToContact = &x
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}
