// Package growth measures how Referloop's costs grow with one tenant's volume: a practice network
// at 10,000, 100,000 and 300,000 referrals a year. For each size it seeds one tenant in bulk
// (its buckets for the year, computed in memory from every referral's fact; the facts of the last
// 35 days, which are all an incremental rollup reads; the referrals still in the work queue; its
// counters), changes 1% of the referrals as a quarter hour of a busy pipeline would (the open
// ones, most recently received first, through the store calls the notifier makes), then measures:
// the rollup's incremental run (read and write units, wall time), the metrics API for a year by
// source and by week (read units, latency), the work queue's counts (read units, and those of the
// COUNT queries GET /v1/queue made before the counters) and the largest item written. Each figure's
// slope is its value at 300,000 over its value at 10,000: 1.00 is flat.
package growth

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
	Root  string
	Sizes []int // referrals in the tenant's past year: 10,000, 100,000, 300,000
	// Partners referring to the tenant (the same at every size: the groups of a bucket period).
	Partners int
}

// factWindow is how far back the seed writes facts: every changed referral's cohort day is
// inside it (checked), and an incremental run reads only the facts of changed days.
const factWindow = 8 * 24 * time.Hour

// dayWindow is how far back the seed writes day buckets: a run reads those of the changed days'
// weeks and months, and the views those around the whole weeks of the last 90 days.
const dayWindow = 100 * 24 * time.Hour

// Size is what one tenant size measured.
type Size struct {
	Referrals  int     `json:"referrals"`
	Seeded     int     `json:"seeded"` // items written by the seed
	SeedSecs   float64 `json:"seedSecs"`
	Changed    int     `json:"changed"`
	Queued     int     `json:"queued"`
	Rollup     meter.Units
	RollupSecs float64 `json:"rollupSecs"`
	RollupDays int     `json:"rollupDays"`
	// The metrics API: a year by source and by week (units of one request; median latency).
	BySource, ByWeek       meter.Units
	BySourceMs, ByWeekMs   float64
	BySourceRaw, ByWeekRaw meter.Units // the same answers from the buckets (no views)
	Queue, QueueBefore     meter.Units
	Largest                int    `json:"largest"`
	LargestIs              string `json:"largestIs"`
	ChangeMarker           int    `json:"changeMarker"`
	Counter                int    `json:"counter"`
	// The notifier's counters transaction per change (write units), for the arithmetic.
	CounterWCU float64 `json:"counterWCU"`
	// Versions is the mean number of writes of a referral (its last version).
	Versions float64 `json:"versions"`
}

// Run measures every size in turn, each in a fresh table of one DynamoDB Local (in memory).
func Run(ctx context.Context, o Options) (report.Part, error) {
	part := report.Part{Name: "growth", Title: "8. Growth: one tenant at 10,000, 100,000 and 300,000 referrals", Machine: report.Machine()}
	if len(o.Sizes) == 0 {
		o.Sizes = []int{10_000, 100_000, 300_000}
	}
	if o.Partners == 0 {
		o.Partners = 12
	}
	tpl, err := template.Load(o.Root + "/template.yaml")
	if err != nil {
		return part, err
	}
	var sizes []Size
	var failed error
	for _, n := range o.Sizes {
		// A DynamoDB Local of its own per size: one that held the smaller sizes' tables slows down.
		logf, _ := os.CreateTemp("", "dynamodb-local-growth-*.log")
		srv, err := dynamodblocal.Start(ctx, dynamodblocal.Options{Root: o.Root, Log: logf})
		if err != nil {
			return part, err
		}
		s, err := measure(ctx, srv.Endpoint, tpl, n, o.Partners)
		srv.Stop()
		if err == nil && logf != nil {
			_ = os.Remove(logf.Name())
		}
		if err != nil {
			if logf != nil {
				err = fmt.Errorf("%w (DynamoDB Local's log: %s)", err, logf.Name())
			}
			failed = fmt.Errorf("%d referrals: %w", n, err)
			break
		}
		sizes = append(sizes, s)
	}
	if len(sizes) == 0 {
		return part, failed
	}
	part.Rows, part.Detail = rows(sizes), table(sizes)+arithmetic(sizes[len(sizes)-1])
	part.Notes = []string{
		fmt.Sprintf("One tenant with %d referring partners, histories over the past year (most referrals accepted, contacted, scheduled, seen and closed within days; a few declined, cancelled, unreachable or left open), DynamoDB Local in memory, every request metered with ReturnConsumedCapacity. The seed writes in bulk what a year of the notifier and the rollup would have, as much of it as the measured paths read: the buckets of every week and month and of the last 100 days (computed in memory from every referral's fact), the facts of the last 8 days (an incremental run reads the facts of the changed days only, and every changed referral was received within them), the referrals still in the work queue, and the counters.", o.Partners),
		"The 1% that change are the open referrals, most recently received first, each moving one step as staff would move it, through the store calls the notifier makes for it (the referral, its fact and change marker, the counters' transaction); then one incremental rollup run reads the change feed, recomputes the changed days, their weeks and months, and rewrites the tenant's views.",
		"The metrics API runs in process (its handler over the store), session check included: figures are per request. Its latency is the median of 20 warm requests.",
	}
	if failed != nil {
		part.Notes = append(part.Notes, fmt.Sprintf("Measured up to %s referrals; the next size did not finish: %v", thousands(sizes[len(sizes)-1].Referrals), failed))
	}
	return part, failed
}

// progress says on stderr what a size is doing (a long part on a shared machine).
func progress(n int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "  growth %s: %s\n", thousands(n), fmt.Sprintf(format, args...))
}

func measure(ctx context.Context, endpoint string, tpl *template.Template, n, npartners int) (Size, error) {
	out := Size{Referrals: n}
	m := meter.New()
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, m.Option())
	table := fmt.Sprintf("growth%d", n)
	raw := dynamodblocal.Client(endpoint)
	if err := dynamodblocal.EnsureTable(ctx, raw, tpl, table); err != nil {
		return out, err
	}
	defer func() {
		_, _ = raw.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	}()
	s := store.New(db, table)
	now := time.Now().UTC().Truncate(time.Second)
	s.Now = func() time.Time { return now }
	tid := fmt.Sprintf("t_growth%07d", n)
	rng := rand.New(rand.NewSource(int64(n)))
	var largest sizeTracker

	// Partners, then a year of referrals.
	var partners []partner.Partner
	kindOf := map[string]string{}
	for j := 0; j < npartners; j++ {
		p := partner.Partner{ID: fmt.Sprintf("p_growth%03d", j), Name: fmt.Sprintf("Source %d", j), Kind: []string{"pcp", "specialist", "patient", "chiropractor"}[j%4],
			StatusUpdates: partner.UpdatesEach, CreatedAt: now.AddDate(-1, 0, 0)}
		if err := s.CreatePartner(ctx, tid, p); err != nil {
			return out, err
		}
		partners = append(partners, p)
		kindOf[p.ID] = partner.SourceKind(p.Kind)
	}
	refs := make([]referral.Referral, n)
	facts := make([]metrics.Fact, n)
	for i := range refs {
		refs[i] = history(rng, tid, partners[rng.Intn(len(partners))], now)
		facts[i] = metrics.FactOf(refs[i], kindOf[refs[i].Partner.ID])
	}
	for _, r := range refs {
		out.Versions += float64(r.Version) / float64(n)
	}
	seedStart := time.Now()
	// The buckets of the whole year, from every fact; the facts of the last 35 days; the work queue.
	var recent []metrics.Fact
	for _, f := range facts {
		if f.Received.After(now.Add(-factWindow)) {
			recent = append(recent, f)
		}
	}
	progress(n, "%d histories generated; seeding", n)
	var queued []referral.Referral
	for _, r := range refs {
		for _, st := range referral.QueueStatuses() {
			if r.Status == st {
				queued = append(queued, r)
			}
		}
	}
	out.Queued = len(queued)
	for gran, period := range map[string]func(metrics.Fact) string{
		"day":   func(f metrics.Fact) string { return metrics.DayOf(f.Received) },
		"week":  func(f metrics.Fact) string { return metrics.Week(f.Received) },
		"month": func(f metrics.Fact) string { return metrics.Month(f.Received) },
	} {
		var list []store.StoredBucket
		oldest := metrics.DayOf(now.Add(-dayWindow))
		for p, groups := range metrics.RollupBy(facts, period, now) {
			if gran == "day" && p < oldest {
				continue
			}
			for g, b := range groups {
				list = append(list, store.StoredBucket{Period: p, Group: g, Bucket: *b})
			}
		}
		if err := inChunks(ctx, len(list), 100, func(i, j int) error { return s.PutBuckets(ctx, tid, gran, list[i:j]) }); err != nil {
			return out, err
		}
		out.Seeded += len(list)
		largest.drain(m)
		progress(n, "%d %s buckets written", len(list), gran)
	}
	if err := inChunks(ctx, len(recent), 500, func(i, j int) error { return s.PutFacts(ctx, recent[i:j]) }); err != nil {
		return out, err
	}
	largest.drain(m)
	progress(n, "%d facts written", len(recent))
	if err := inChunks(ctx, len(queued), 500, func(i, j int) error { return s.ImportReferrals(ctx, queued[i:j]) }); err != nil {
		return out, err
	}
	largest.drain(m)
	progress(n, "%d referrals in the work queue written", len(queued))
	load := func(context.Context) ([]referral.Referral, error) { return refs, nil }
	if err := s.RepairCounters(ctx, tid, load, now); err != nil {
		return out, err
	}
	if err := s.SetWatermark(ctx, time.Time{}, now); err != nil {
		return out, err
	}
	largest.drain(m)
	out.Seeded += len(recent) + len(queued) + 1
	out.SeedSecs = time.Since(seedStart).Seconds()

	// 1% moves on: the open referrals, most recently received first.
	now = now.Add(10 * time.Minute)
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return refs[order[a]].CreatedAt.After(refs[order[b]].CreatedAt) })
	var counterUnits meter.Units
	for _, i := range order {
		if out.Changed >= n/100 {
			break
		}
		r := refs[i]
		if !r.Status.Open() || !r.CreatedAt.After(now.Add(-factWindow+24*time.Hour)) {
			continue
		}
		before := r
		allowed := r.Allowed()
		if err := r.Apply(details(rng, allowed[0], now), referral.Actor{Name: "bench", Role: "staff"}, now); err != nil {
			continue
		}
		if err := s.SaveReferral(ctx, r, before.Version); err != nil {
			return out, err
		}
		if err := s.PutFact(ctx, metrics.FactOf(r, kindOf[r.Partner.ID]), now); err != nil {
			return out, err
		}
		for _, c := range m.Calls() {
			if in, ok := c.Input.(*dynamodb.PutItemInput); ok && strings.HasPrefix(c.Target, "CHG#") {
				out.ChangeMarker = max(out.ChangeMarker, meter.ItemSize(in.Item))
			}
		}
		largest.drain(m)
		if err := s.ApplyCounters(ctx, store.DeltaOf(&before, r), now); err != nil {
			return out, err
		}
		counterUnits = counterUnits.Add(meter.Sum(m.Calls()))
		refs[i] = r
		out.Changed++
	}
	if out.Changed < n/100 {
		return out, fmt.Errorf("only %d open referrals in the last %s to change", out.Changed, factWindow)
	}
	out.CounterWCU = counterUnits.Write / float64(out.Changed)
	largest.drain(m)
	progress(n, "%d referrals changed", out.Changed)

	// The incremental rollup run.
	now = now.Add(time.Minute)
	runner := &rollup.Runner{Store: s, Now: func() time.Time { return now }, Lag: time.Second, Log: slog.New(slog.DiscardHandler)}
	m.Reset()
	t0 := time.Now()
	res, err := runner.Run(ctx)
	if err != nil {
		return out, fmt.Errorf("incremental: %w", err)
	}
	out.RollupSecs = time.Since(t0).Seconds()
	out.RollupDays = res.Days
	out.Rollup = meter.Sum(m.Calls())
	largest.drain(m)
	progress(n, "incremental run: %s in %.1f s", out.Rollup, out.RollupSecs)

	// The metrics API and the work queue, in process.
	key := []byte("0123456789abcdef0123456789abcdef")
	signer := &auth.Signer{Issuer: "https://referloop.dev", Audience: "referloop-portal", Source: auth.StaticKey(key), Now: func() time.Time { return now }}
	tok, claims, err := signer.Issue(ctx, auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench"}, Tenant: tid, Role: practice.RoleOwner, Email: "o@growth.example"})
	if err != nil {
		return out, err
	}
	if err := s.PutSession(ctx, tid, "bench", claims.ID, claims.ExpiresAt.Time); err != nil {
		return out, err
	}
	deps := &httpapi.Deps{Store: s, Signer: signer, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	plain := store.New(raw, table)
	plainDeps := &httpapi.Deps{Store: plain, Signer: signer, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	from := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	to := now.Format(time.DateOnly)
	get := func(d *httpapi.Deps, api *httpapi.API, path string) error {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: tok})
		w := httptest.NewRecorder()
		api.Handler().ServeHTTP(w, req)
		if w.Code != 200 {
			return fmt.Errorf("%s: %d %s", path, w.Code, w.Body.String())
		}
		return nil
	}
	units := func(api *httpapi.API, path string) (meter.Units, error) {
		m.Reset()
		err := get(deps, api, path)
		return meter.Sum(m.Calls()), err
	}
	latency := func(api *httpapi.API, path string) (float64, error) {
		var d []time.Duration
		for i := 0; i < 25; i++ {
			t := time.Now()
			if err := get(plainDeps, api, path); err != nil {
				return 0, err
			}
			d = append(d, time.Since(t))
		}
		d = d[5:]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)/2].Microseconds()) / 1000, nil
	}
	mx, pmx := httpapi.Metrics(deps), httpapi.Metrics(plainDeps)
	bySource := "/v1/metrics?groupBy=source&from=" + from + "&to=" + to
	byWeek := "/v1/metrics?groupBy=week&from=" + from + "&to=" + to
	if out.BySource, err = units(mx, bySource); err != nil {
		return out, err
	}
	if out.ByWeek, err = units(mx, byWeek); err != nil {
		return out, err
	}
	if out.BySourceMs, err = latency(pmx, bySource); err != nil {
		return out, err
	}
	if out.ByWeekMs, err = latency(pmx, byWeek); err != nil {
		return out, err
	}
	if out.Queue, err = units(httpapi.Pipeline(deps), "/v1/queue"); err != nil {
		return out, err
	}
	// The same answers from the buckets, as a request reads them when no view is current.
	m.Reset()
	for _, w := range []struct {
		u  *meter.Units
		gb string
	}{{&out.BySourceRaw, "source"}, {&out.ByWeekRaw, "week"}} {
		f, _ := time.Parse(time.DateOnly, from)
		t, _ := time.Parse(time.DateOnly, to)
		m.Reset()
		if _, err := s.Cells(ctx, tid, metrics.WindowOf(f, t, w.gb), false); err != nil {
			return out, err
		}
		*w.u = meter.Sum(m.Calls())
	}
	m.Reset()
	if err := countQueries(ctx, db, table, tid, now); err != nil {
		return out, err
	}
	out.QueueBefore = meter.Sum(m.Calls())
	// Items that grow by updates: the counter.
	c, err := raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "T#" + tid + "#QUEUE"}, "SK": &types.AttributeValueMemberS{Value: "COUNTS"}}})
	if err != nil {
		return out, err
	}
	out.Counter = meter.ItemSize(c.Item)
	largest.see(out.Counter, "the work queue counter (T#…#QUEUE/COUNTS)")
	out.Largest, out.LargestIs = largest.max, largest.what
	return out, nil
}

// countQueries are the COUNT queries GET /v1/queue made before the counters (pkg/store/queue.go
// then): one per work queue status, and one per awaiting status up to now for overdue.
func countQueries(ctx context.Context, db *dynamodb.Client, table, tid string, now time.Time) error {
	for _, st := range referral.QueueStatuses() {
		his := []string{string(st) + "#~"}
		if st.AwaitingContact() {
			his = append(his, string(st)+"#"+now.UTC().Format(time.RFC3339))
		}
		for _, hi := range his {
			in := &dynamodb.QueryInput{TableName: &table, IndexName: aws.String("GSI1"), Select: types.SelectCount,
				KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "T#" + tid + "#REF"},
					":lo": &types.AttributeValueMemberS{Value: string(st) + "#"}, ":hi": &types.AttributeValueMemberS{Value: hi}}}
			p := dynamodb.NewQueryPaginator(db, in)
			for p.HasMorePages() {
				if _, err := p.NextPage(ctx); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sizeTracker keeps the largest item written.
type sizeTracker struct {
	max  int
	what string
}

func (t *sizeTracker) see(n int, what string) {
	if n > t.max {
		t.max, t.what = n, what
	}
}

// drain looks at every item the calls so far wrote, then forgets the calls.
func (t *sizeTracker) drain(m *meter.Meter) {
	for _, c := range m.Calls() {
		switch in := c.Input.(type) {
		case *dynamodb.PutItemInput:
			t.see(meter.ItemSize(in.Item), shapeOf(in.Item))
		case *dynamodb.BatchWriteItemInput:
			for _, reqs := range in.RequestItems {
				for _, r := range reqs {
					if r.PutRequest != nil {
						t.see(meter.ItemSize(r.PutRequest.Item), shapeOf(r.PutRequest.Item))
					}
				}
			}
		}
	}
	m.Reset()
}

// shapeOf names an item by its kind and key, ids left out.
func shapeOf(item map[string]types.AttributeValue) string {
	s := func(name string) string {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	pk := s("PK")
	if i := strings.LastIndex(pk, "#"); i >= 0 && strings.HasPrefix(pk, "T#") {
		pk = "T#…" + pk[i:]
	}
	sk := s("SK")
	if len(sk) > 40 {
		sk = sk[:40] + "…"
	}
	return fmt.Sprintf("a %s item (%s/%s)", s("type"), pk, sk)
}

// inChunks runs fn over [0, n) in chunks of size, four at a time.
func inChunks(ctx context.Context, n, size int, fn func(i, j int) error) error {
	return rollup.ForEach(ctx, 4, (n+size-1)/size, func(k int) error { return fn(k*size, min(n, (k+1)*size)) })
}

func details(rng *rand.Rand, to referral.Status, at time.Time) referral.Transition {
	t := referral.Transition{To: to}
	switch to {
	case referral.Declined:
		t.Reason = referral.DeclineReasons[rng.Intn(5)]
	case referral.NeedsInfo:
		t.Note = "Which side?"
	case referral.Contacted:
		t.Contact = &referral.Contact{Outcome: referral.ContactOutcomes[rng.Intn(4)], Channel: "phone"}
	case referral.Scheduled:
		t.Appointment = &referral.Appointment{At: at.Add(time.Duration(24+rng.Intn(300)) * time.Hour), Location: "Clinic"}
	}
	return t
}

// history is a referral received in the past year and walked along a plausible path: most are
// accepted, contacted, scheduled, seen and closed within days; some declined, cancelled or
// unreachable; a few left open. Steps happen 1 to 96 hours apart, so the most recent are still
// on their way.
func history(rng *rand.Rand, tid string, p partner.Partner, now time.Time) referral.Referral {
	created := now.Add(-time.Duration(rng.Int63n(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
	sub := referral.Submission{Patient: referral.Patient{FirstName: "Pat", LastName: "Growth", DateOfBirth: "1970-01-01", Phone: "+1 555 0100",
		ConsentToContact: true, ConsentToShareOutcomes: rng.Intn(2) == 0}, Reason: "Low back pain",
		Urgency: []string{referral.Routine, referral.Routine, referral.Soon, referral.Urgent}[rng.Intn(4)], FormMillis: int64(30000 + rng.Intn(120000))}
	r := referral.New(tid, referral.PartnerRef{ID: p.ID, Name: p.Name}, "r_growth", referral.Person{Name: "Dr. Growth", Email: "dr@growth.example"},
		ids.NewULID(created), sub, created, practice.DefaultContactBy)
	full := []referral.Status{referral.Accepted, referral.Contacted, referral.Scheduled, referral.Seen, referral.Closed}
	path := full
	switch x := rng.Intn(100); {
	case x < 8:
		path = []referral.Status{referral.Declined}
	case x < 12:
		path = []referral.Status{referral.Cancelled}
	case x < 20:
		path = []referral.Status{referral.Accepted, referral.Contacted, referral.Contacted, referral.Contacted, referral.Unreachable}
	case x < 30:
		path = []referral.Status{referral.Accepted, referral.Contacted, referral.Scheduled, referral.NoShow, referral.Scheduled, referral.Seen, referral.Closed}
	case x == 30:
		path = full[:2] // left open (1 in 100)
	}
	at := created
	for _, to := range path {
		next := at.Add(time.Duration(1+rng.Intn(96)) * time.Hour)
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
