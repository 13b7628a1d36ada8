// Package rollupbench measures the metric rollup at scale: 100,000 referrals with realistic
// histories across 100 practices in DynamoDB Local; a full rebuild (wall time, read units); an
// incremental run after 1% of the referrals changed, as a ratio to the rebuild (it should be near
// the changed fraction, not near 1); and the metrics API's latency for a one-year range, beside the
// raw Query it is built on.
package rollupbench

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/bench/report"
	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/template"
	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/rollup"
	"github.com/referloop/referloop/pkg/store"
)

// Options size the run.
type Options struct {
	Root      string
	Tenants   int // 100
	Referrals int // 100,000 in all
}

type tenant struct {
	id       string
	partners []partner.Partner
}

// Run seeds, rebuilds, changes 1%, runs incrementally and times the metrics API.
func Run(ctx context.Context, o Options) (report.Part, error) {
	part := report.Part{Name: "rollup", Title: "7. Metric rollups at 100,000 referrals", Machine: report.Machine()}
	if o.Tenants == 0 {
		o.Tenants = 100
	}
	if o.Referrals == 0 {
		o.Referrals = 100_000
	}
	tpl, err := template.Load(o.Root + "/template.yaml")
	if err != nil {
		return part, err
	}
	srv, err := dynamodblocal.Start(ctx, dynamodblocal.Options{Root: o.Root})
	if err != nil {
		return part, err
	}
	defer srv.Stop()
	m := meter.New()
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, m.Option())
	table := "rollupbench"
	if err := dynamodblocal.EnsureTable(ctx, dynamodblocal.Client(srv.Endpoint), tpl, table); err != nil {
		return part, err
	}
	s := store.New(db, table)
	now := time.Now().UTC()
	s.Now = func() time.Time { return now }

	// Seed: partners, then referrals with histories over the past year, 8 writers.
	rng := rand.New(rand.NewSource(42))
	tenants := make([]tenant, o.Tenants)
	for i := range tenants {
		tenants[i].id = fmt.Sprintf("t_bench%04d", i)
		for j := 0; j < 2+rng.Intn(7); j++ {
			p := partner.Partner{ID: ids.Short("p_"), Name: fmt.Sprintf("Source %d", j), Kind: []string{"pcp", "specialist", "patient", "chiropractor"}[rng.Intn(4)],
				StatusUpdates: partner.UpdatesEach, CreatedAt: now.AddDate(-1, 0, 0)}
			if err := s.CreatePartner(ctx, tenants[i].id, p); err != nil {
				return part, err
			}
			tenants[i].partners = append(tenants[i].partners, p)
		}
	}
	refs := make([]referral.Referral, o.Referrals)
	for i := range refs {
		t := tenants[i%len(tenants)]
		refs[i] = history(rng, t.id, t.partners[rng.Intn(len(t.partners))], now)
	}
	seedStart := time.Now()
	const chunk = 500
	if err := rollup.ForEach(ctx, 4, (len(refs)+chunk-1)/chunk, func(i int) error {
		return s.ImportReferrals(ctx, refs[i*chunk:min(len(refs), (i+1)*chunk)])
	}); err != nil {
		return part, err
	}
	seedTook := time.Since(seedStart)

	// Full rebuild.
	runner := &rollup.Runner{Store: s, Now: func() time.Time { return now }, Lag: time.Second, Log: slog.New(slog.DiscardHandler)}
	rs := *s
	rs.Scanner = db
	rebuilder := *runner
	rebuilder.Store = &rs
	m.Reset()
	t0 := time.Now()
	full, err := rebuilder.Rebuild(ctx, 4)
	if err != nil {
		return part, fmt.Errorf("rebuild: %w", err)
	}
	fullTook := time.Since(t0)
	fullUnits := meter.Sum(m.Calls())

	// 1% of the referrals move on, as in a quarter hour of a real pipeline: the open referrals,
	// the most recently received first (some weeks old: their steps land on past cohorts). The
	// notifier would write their facts and change markers.
	now = now.Add(10 * time.Minute)
	changed := 0
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return refs[order[a]].CreatedAt.After(refs[order[b]].CreatedAt) })
	for _, i := range order {
		if changed >= len(refs)/100 {
			break
		}
		r := refs[i]
		allowed := r.Allowed()
		if len(allowed) == 0 {
			continue
		}
		prev := r.Version
		if err := r.Apply(details(rng, allowed[0], now), referral.Actor{Name: "bench", Role: "staff"}, now); err != nil {
			continue
		}
		if err := s.SaveReferral(ctx, r, prev); err != nil {
			return part, err
		}
		kind := ""
		for _, t := range tenants {
			for _, p := range t.partners {
				if p.ID == r.Partner.ID {
					kind = p.Kind
				}
			}
		}
		if err := s.PutFact(ctx, metrics.FactOf(r, partner.SourceKind(kind)), now); err != nil {
			return part, err
		}
		refs[i] = r
		changed++
	}
	now = now.Add(time.Minute)
	m.Reset()
	t1 := time.Now()
	inc, err := runner.Run(ctx)
	if err != nil {
		return part, fmt.Errorf("incremental: %w", err)
	}
	incTook := time.Since(t1)
	incUnits := meter.Sum(m.Calls())

	// The metrics API over one year, for the busiest tenant, beside its raw bucket Query.
	key := []byte("0123456789abcdef0123456789abcdef")
	signer := &auth.Signer{Issuer: "https://referloop.dev", Audience: "referloop-portal", Source: auth.StaticKey(key), Now: func() time.Time { return now }}
	plain := store.New(dynamodblocal.Client(srv.Endpoint), table)
	plain.Now = s.Now
	deps := &httpapi.Deps{Store: plain, Signer: signer, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	tid := tenants[0].id
	tok, claims, err := signer.Issue(ctx, auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench"}, Tenant: tid, Role: practice.RoleOwner, Email: "o@bench.example"})
	if err != nil {
		return part, err
	}
	if err := plain.PutSession(ctx, tid, "bench", claims.ID, claims.ExpiresAt.Time); err != nil {
		return part, err
	}
	h := httpapi.Metrics(deps).Handler()
	from, to := now.AddDate(-1, 0, 0).Format(time.DateOnly), now.Format(time.DateOnly)
	var apiTimes, rawTimes []time.Duration
	for i := 0; i < 60; i++ {
		req := httptest.NewRequest("GET", "/v1/metrics?groupBy=source&from="+from+"&to="+to, nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: tok})
		w := httptest.NewRecorder()
		t := time.Now()
		h.ServeHTTP(w, req)
		apiTimes = append(apiTimes, time.Since(t))
		if w.Code != 200 {
			return part, fmt.Errorf("metrics API: %d %s", w.Code, w.Body.String())
		}
		t = time.Now()
		if _, err := plain.Buckets(ctx, tid, "month", metrics.Month(now.AddDate(-1, 0, 0)), metrics.Month(now), false); err != nil {
			return part, err
		}
		rawTimes = append(rawTimes, time.Since(t))
	}
	apiMed, rawMed := median(apiTimes[10:]), median(rawTimes[10:])

	how := fmt.Sprintf("%d referrals across %d practices (histories over the past year; seeding took %s), DynamoDB Local in memory, ReturnConsumedCapacity metered", len(refs), len(tenants), seedTook.Round(time.Second))
	part.Rows = []report.Row{
		report.NewRow("rollup: full rebuild, wall time", fullTook.Seconds(), 0, "s", "", how+fmt.Sprintf("; 4 parallel Scan segments; %d facts, %d day / %d week / %d month bucket sets", full.Changes, full.Days, full.Weeks, full.Months)).WithDecimals(1),
		report.NewRow("rollup: full rebuild, read units", fullUnits.Read, 0, "RCU", "", "Scan of every item + partner reads").WithDecimals(0),
		report.NewRow("rollup: full rebuild, write units", fullUnits.Write, 0, "WCU", "", "facts and buckets, BatchWriteItem").WithDecimals(0),
		report.NewRow("rollup: incremental after 1% changed, wall time", incTook.Seconds(), fullTook.Seconds(), "s", "the full rebuild in the same run", fmt.Sprintf("%d referrals changed; %d change markers read; %d days, %d weeks, %d months recomputed", changed, inc.Changes, inc.Days, inc.Weeks, inc.Months)).WithDecimals(2),
		report.NewRow("rollup: incremental after 1% changed, read units", incUnits.Read, fullUnits.Read, "RCU", "the full rebuild's read units", "change feed Query by hour + the facts of each changed day + day buckets of their weeks and months").
			WithBudget("ratio near the changed fraction (0.01), not near 1", incUnits.Read/fullUnits.Read < 0.2).WithDecimals(0),
		report.NewRow("rollup: incremental, write units", incUnits.Write, fullUnits.Write, "WCU", "the full rebuild's write units", "buckets of the changed days, weeks and months").WithDecimals(0),
		report.NewRow("metrics API, one year by source, median latency", ms(apiMed), ms(rawMed), "ms", "the raw Query of the same month buckets, same run", "in-process handler (session check + partners + buckets + 13 months of source health + watermark), 50 warm requests").WithDecimals(2),
	}
	return part, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func details(rng *rand.Rand, to referral.Status, at time.Time) referral.Transition {
	t := referral.Transition{To: to}
	switch to {
	case referral.Declined:
		t.Reason = referral.DeclineReasons[rng.Intn(5)]
	case referral.NeedsInfo:
		t.Note = "Which side?"
	case referral.Contacted:
		t.Contact = &referral.Contact{Outcome: referral.Reached, Channel: "phone"} // the path moves on: the patient was reached
	case referral.Scheduled:
		t.Appointment = &referral.Appointment{At: at.Add(time.Duration(24+rng.Intn(300)) * time.Hour), Location: "Clinic"}
	}
	return t
}

// history is a referral received in the past year and walked along a plausible path: most are
// accepted and contacted within days, most contacted are scheduled, most scheduled are seen.
func history(rng *rand.Rand, tid string, p partner.Partner, now time.Time) referral.Referral {
	created := now.Add(-time.Duration(rng.Int63n(int64(365 * 24 * time.Hour))))
	sub := referral.Submission{Patient: referral.Patient{FirstName: "Pat", LastName: "Bench", DateOfBirth: "1970-01-01", Phone: "+1 415 555 0100",
		ConsentToContact: true, ConsentToShareOutcomes: rng.Intn(2) == 0}, Reason: "Low back pain",
		Urgency: []string{referral.Routine, referral.Routine, referral.Soon, referral.Urgent}[rng.Intn(4)], FormMillis: int64(30000 + rng.Intn(120000))}
	r := referral.New(tid, referral.PartnerRef{ID: p.ID, Name: p.Name}, "r_bench", referral.Person{Name: "Dr. Bench", Email: "dr@bench.example"},
		ids.NewULID(created), sub, created, practice.DefaultContactBy)
	at := created
	path := []referral.Status{referral.Accepted, referral.Contacted, referral.Scheduled, referral.Seen, referral.Closed}
	switch x := rng.Intn(100); {
	case x < 8:
		path = []referral.Status{referral.Declined}
	case x < 12:
		path = []referral.Status{referral.Cancelled}
	case x < 20:
		path = path[:2]
	case x < 30:
		path = []referral.Status{referral.Accepted, referral.Contacted, referral.Scheduled, referral.NoShow, referral.Scheduled, referral.Seen}
	case x < 45:
		path = path[:4]
	}
	for _, to := range path {
		next := at.Add(time.Duration(1+rng.Intn(96)) * time.Hour)
		if (to == referral.Seen || to == referral.NoShow) && r.Appointment != nil && next.Before(r.Appointment.At) {
			next = r.Appointment.At.Add(time.Duration(rng.Intn(120)) * time.Minute) // at the appointment, never before
		}
		if next.After(now) {
			break
		}
		at = next
		if err := r.Apply(details(rng, to, at), referral.Actor{Name: "Intake", Role: "staff"}, at); err != nil {
			break
		}
	}
	return r
}
