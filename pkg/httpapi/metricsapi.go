package httpapi

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
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

// MetricsView is the answer of GET /v1/metrics.
type MetricsView struct {
	From    string          `json:"from"`
	To      string          `json:"to"`
	GroupBy string          `json:"groupBy"`
	AsOf    *time.Time      `json:"asOf"`
	Total   metrics.Summary `json:"total"`
	Groups  []Group         `json:"groups"`
	Sources []SourceHealth  `json:"sources"`
}

func (d *Deps) metrics(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q := r.URL.Query()
	now := d.now()
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
	gran, lo, hi := "day", metrics.DayOf(from), metrics.DayOf(to)
	switch {
	case groupBy == "week":
		gran, lo, hi = "week", metrics.Week(from), metrics.Week(to)
	case groupBy == "month" || to.Sub(from) > 92*24*time.Hour:
		gran, lo, hi = "month", metrics.Month(from), metrics.Month(to)
	}
	buckets, err := d.Store.Buckets(ctx, c.Tenant, gran, lo, hi, false)
	if err != nil {
		return err
	}
	view := MetricsView{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), GroupBy: groupBy, Groups: []Group{}}
	if gran == "month" {
		view.From = lo + "-01"
		view.To = time.Date(to.Year(), to.Month()+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	var total metrics.Bucket
	rows := map[string]*metrics.Bucket{}
	var order []string
	for _, b := range buckets {
		var key string
		switch {
		case b.Group == "all":
			total.Merge(b.Bucket)
			if groupBy == "week" || groupBy == "month" {
				key = b.Period
			}
		case groupBy == "source" && len(b.Group) > 4 && b.Group[:4] == "src#":
			key = b.Group[4:]
		case groupBy == "kind" && len(b.Group) > 5 && b.Group[:5] == "kind#":
			key = b.Group[5:]
		}
		if key == "" {
			continue
		}
		if rows[key] == nil {
			rows[key] = &metrics.Bucket{}
			order = append(order, key)
		}
		rows[key].Merge(b.Bucket)
	}
	view.Total = metrics.Summarize(total)
	for _, k := range order {
		label := k
		if groupBy == "source" {
			label = names[k].Name
			if label == "" {
				label = "(removed partner)"
			}
		}
		view.Groups = append(view.Groups, Group{Key: k, Label: label, Summary: metrics.Summarize(*rows[k])})
	}
	if groupBy == "source" || groupBy == "kind" {
		sort.SliceStable(view.Groups, func(i, j int) bool { return view.Groups[i].Received > view.Groups[j].Received })
	}
	var reuse []store.StoredBucket
	if gran == "month" && lo <= metrics.Month(now.AddDate(0, -11, 0)) && hi >= metrics.Month(now) {
		reuse = buckets // the same months the health check reads: no second Query
	}
	if view.Sources, err = d.sourceHealth(ctx, c.Tenant, partners, now, reuse); err != nil {
		return err
	}
	if wm, err := d.Store.Watermark(ctx); err == nil && !wm.IsZero() {
		view.AsOf = &wm
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// sourceHealth judges each partner's rhythm from the month buckets of the last 12 months (this
// month and the eleven before it), the same window as a partner's scorecard.
func (d *Deps) sourceHealth(ctx context.Context, tid string, partners []partner.Partner, now time.Time, months []store.StoredBucket) ([]SourceHealth, error) {
	lo, hi := metrics.Month(now.AddDate(0, -11, 0)), metrics.Month(now)
	if months == nil {
		var err error
		if months, err = d.Store.Buckets(ctx, tid, "month", lo, hi, false); err != nil {
			return nil, err
		}
	}
	at := map[string][]int64{}
	for _, b := range months {
		if b.Period < lo || b.Period > hi {
			continue
		}
		if len(b.Group) > 4 && b.Group[:4] == "src#" {
			at[b.Group[4:]] = append(at[b.Group[4:]], b.Bucket.ReceivedAt...)
		}
	}
	out := make([]SourceHealth, 0, len(partners))
	for _, p := range partners {
		h := SourceHealth{ID: p.ID, Name: p.Name, Kind: partner.SourceKind(p.Kind)}
		if dm, ok := metrics.Dormant(at[p.ID], now); ok {
			h.Dormancy = dm
		} else {
			// Never referred in the window: quiet if known for more than 60 days.
			h.Dormancy = metrics.Dormancy{Dormant: now.Sub(p.CreatedAt) > 60*24*time.Hour, ThresholdDays: 60}
		}
		if iv, ok := metrics.MedianInterval(at[p.ID]); ok {
			x := float64(int(iv.Hours()/24*10+0.5)) / 10
			h.MedianDaysBetweenReferrals = &x
		}
		out = append(out, h)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dormant && !out[j].Dormant })
	return out, nil
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
	Health SourceHealth `json:"health"`
	Months []Group      `json:"months"`
}

func (d *Deps) scorecard(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := d.now()
	months, err := d.Store.Buckets(ctx, c.Tenant, "month", metrics.Month(now.AddDate(0, -11, 0)), metrics.Month(now), false)
	if err != nil {
		return err
	}
	var total metrics.Bucket
	sc := Scorecard{Partner: p, Months: []Group{}}
	for _, b := range months {
		if b.Group != "src#"+p.ID {
			continue
		}
		total.Merge(b.Bucket)
		sc.Months = append(sc.Months, Group{Key: b.Period, Label: b.Period, Summary: metrics.Summarize(b.Bucket)})
	}
	sc.Summary = metrics.Summarize(total)
	health, err := d.sourceHealth(ctx, c.Tenant, []partner.Partner{p}, now, nil)
	if err != nil {
		return err
	}
	sc.Health = health[0]
	writeJSON(w, http.StatusOK, sc)
	return nil
}

// ReferrerScorecard is what a referrer sees of its own referrals.
type ReferrerScorecard struct {
	Sent                int      `json:"sent"`
	Seen                int      `json:"seen"`
	Open                int      `json:"open"`
	MedianDaysToContact *float64 `json:"medianDaysToContact"`
}

// referrerScorecard counts the referrer's own referrals (their partition, newest 1000), showing
// only outcomes the patients consented to share.
func (d *Deps) referrerScorecard(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	var sc ReferrerScorecard
	var toContact []int
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		page, err := d.Store.ReferralsByReferrer(ctx, c.Tenant, c.Partner, c.Referrer, "", 100, cursor)
		if err != nil {
			return err
		}
		for _, ref := range page.Items {
			v := ref.ForReferrer()
			sc.Sent++
			if v.Status == referral.Seen || v.Status == referral.Closed && ref.Patient.ConsentToShareOutcomes {
				sc.Seen++
			}
			if v.Status.Open() {
				sc.Open++
			}
			if f := metrics.FactOf(ref, ""); f.FirstContact != nil {
				toContact = append(toContact, int(f.FirstContact.Sub(f.Received).Minutes()))
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	sort.Ints(toContact)
	if m, ok := metrics.Median(toContact); ok {
		x := float64(int(m/60/24*10+0.5)) / 10
		sc.MedianDaysToContact = &x
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}
