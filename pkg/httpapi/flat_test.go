package httpapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/rollup"
	"github.com/referloop/referloop/pkg/store"
)

// capacity is the store's DB asking DynamoDB Local for the capacity of every request
// (ReturnConsumedCapacity TOTAL) and adding it up: read units of GetItem and Query, write units of
// the rest.
type capacity struct {
	store.DB
	mu          sync.Mutex
	read, write float64
}

func (c *capacity) add(write bool, cc ...types.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range cc {
		if x.CapacityUnits == nil {
			continue
		}
		if write {
			c.write += *x.CapacityUnits
		} else {
			c.read += *x.CapacityUnits
		}
	}
}

func (c *capacity) take() (read, write float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	read, write, c.read, c.write = c.read, c.write, 0, 0
	return
}

func one(cc *types.ConsumedCapacity) []types.ConsumedCapacity {
	if cc == nil {
		return nil
	}
	return []types.ConsumedCapacity{*cc}
}

func (c *capacity) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	x := *in
	x.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.GetItem(ctx, &x, o...)
	if err == nil {
		c.add(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *capacity) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	x := *in
	x.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.Query(ctx, &x, o...)
	if err == nil {
		c.add(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *capacity) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	x := *in
	x.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.PutItem(ctx, &x, o...)
	if err == nil {
		c.add(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *capacity) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	x := *in
	x.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.UpdateItem(ctx, &x, o...)
	if err == nil {
		c.add(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *capacity) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	x := *in
	x.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.BatchWriteItem(ctx, &x, o...)
	if err == nil {
		c.add(true, out.ConsumedCapacity...)
	}
	return out, err
}

// tenantOfSize is a practice with referrals from one referrer: the same 120 newest (the pages
// every list reads first, identical in every tenant: 64 accepted, 20 received and 20 needing
// information, all overdue, and 16 contacted, received in the last 10 days) and bulk older ones
// over the past year (at least one a week), closed, declined, seen or scheduled; and two audit
// records per referral on one day. The caller then runs the rollup's rebuild (facts, buckets,
// counters, views).
type tenantOfSize struct {
	owner, ref *client
	tid, pid   string
	code, dob  string
	auditDay   string
}

// yearStart is the first day of the metrics' "a year" window: the first of the month eleven months
// before now's.
func yearStart(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, time.UTC)
}

func (e *env) tenantOfSize(name string, bulk int, now time.Time) tenantOfSize {
	e.t.Helper()
	ctx := context.Background()
	slug := strings.ToLower(name)
	t := tenantOfSize{owner: e.practice(name+" Clinic", "owner@"+slug+".example")}
	t.ref, t.pid = e.referrer(t.owner, name+" FM", "dr@"+slug+".example")
	tid, err := e.store.TenantBySlug(ctx, practice.Slugify(name+" Clinic"))
	if err != nil {
		e.t.Fatal(err)
	}
	t.tid = tid
	rr, err := e.store.Referrer(ctx, tid, "dr@"+slug+".example")
	if err != nil {
		e.t.Fatal(err)
	}
	sub := referral.Submission{Patient: referral.Patient{FirstName: "Ana", LastName: "Silva", DateOfBirth: "1980-04-02", Phone: "+1 555 0142",
		ConsentToContact: true, ConsentToShareOutcomes: true}, Reason: "Low back pain", Urgency: referral.Routine, FormMillis: 61000}
	staff := referral.Actor{Name: "Intake", Role: practice.RoleStaff}
	walk := func(created time.Time, path ...referral.Status) referral.Referral {
		r := referral.New(tid, referral.PartnerRef{ID: t.pid, Name: name + " FM"}, rr.ID, referral.Person{Name: "Dr", Email: "dr@" + slug + ".example"},
			ids.NewULID(created), sub, created, practice.DefaultContactBy)
		at := created
		for _, to := range path {
			at = at.Add(7 * time.Hour)
			tr := referral.Transition{To: to}
			switch to {
			case referral.Declined:
				tr.Reason = "no-capacity"
			case referral.NeedsInfo:
				tr.Note = "Which side?"
			case referral.Contacted:
				tr.Contact = &referral.Contact{Outcome: "reached", Channel: "phone"}
			case referral.Scheduled:
				tr.Appointment = &referral.Appointment{At: at.Add(5 * time.Hour), Location: "Room 2"} // before the next step: nobody is seen early
			}
			if err := r.Apply(tr, staff, at); err != nil {
				e.t.Fatal(err)
			}
		}
		return r
	}
	var refs []referral.Referral
	recent := now.Add(-10 * 24 * time.Hour)
	for i := 0; i < 120; i++ {
		created := recent.Add(time.Duration(i) * 100 * time.Minute)
		var r referral.Referral
		switch {
		case i%6 < 2:
			r = walk(created, referral.Accepted)
		case i%6 == 2:
			r = walk(created)
		case i%6 == 3:
			r = walk(created, referral.NeedsInfo)
		case i%6 == 4 && i < 100:
			r = walk(created, referral.Accepted, referral.Contacted)
		default:
			r = walk(created, referral.Accepted)
		}
		if r.Status.AwaitingContact() {
			r.ContactBy = now.Add(-72 * time.Hour).Add(time.Duration(i) * time.Minute) // overdue
		}
		refs = append(refs, r)
	}
	paths := [][]referral.Status{{referral.Accepted, referral.Contacted, referral.Scheduled, referral.Seen, referral.Closed},
		{referral.Declined}, {referral.Accepted, referral.Contacted, referral.Scheduled, referral.Seen}, {referral.Accepted, referral.Contacted, referral.Scheduled}}
	// The bulk lies inside the metrics' "a year" window (from the first of the month eleven months
	// ago), whatever day the test runs.
	span := recent.Sub(yearStart(now)) - 24*time.Hour
	for i := 0; i < bulk; i++ {
		created := recent.Add(-time.Duration(i+1) * (span / time.Duration(bulk+1)))
		refs = append(refs, walk(created, paths[i%len(paths)]...))
	}
	if err := e.store.ImportReferrals(ctx, refs); err != nil {
		e.t.Fatal(err)
	}
	// A patient code for one of the page's referrals, as the notifier makes it.
	lookedUp := refs[2]
	code, err := e.deps.Signer.PatientCode(ctx, tid, lookedUp.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.PutCode(ctx, auth.CodeHash(code), store.CodeMarker{TenantID: tid, ReferralID: lookedUp.ID}, now.Add(time.Hour)); err != nil {
		e.t.Fatal(err)
	}
	t.code, t.dob = code, lookedUp.Patient.DateOfBirth
	t.auditDay = now.AddDate(0, 0, -1).Format(time.DateOnly)
	day, _ := time.Parse(time.DateOnly, t.auditDay)
	err = e.store.Batch(ctx, func(b *store.Store) error {
		for i := 0; i < 2*(120+bulk); i++ {
			a := store.AuditRecord{At: day.Add(time.Duration(i) * time.Second), TenantID: tid, Actor: "owner@" + slug + ".example", Role: "owner",
				Action: "read", Referral: refs[i%len(refs)].ID, IP: "192.0.2.1"}
			if err := b.Audit(ctx, a, fmt.Sprintf("k%07d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

// TestEveryRequestPathIsFlat holds each request path's capacity to the same units in two tenants,
// one ten times the other (180 and 1,800 referrals): the list pages (staff, overdue, referrer, a
// referrer's list filtered by a status its newest referrals lack), the work queue's counts, the
// metrics (a year by source and by week, 90 days by source), both scorecards, the audit trail and a
// patient's status lookup.
func TestEveryRequestPathIsFlat(t *testing.T) {
	e := newEnv(t)
	meter := &capacity{DB: e.store.DB}
	now := time.Now().UTC()
	small := e.tenantOfSize("Small", 60, now)
	big := e.tenantOfSize("Large", 1680, now)
	rs := *e.store
	rs.Scanner = e.store.DB.(*dynamodb.Client)
	if _, err := (&rollup.Runner{Store: &rs, Lag: time.Second}).Rebuild(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	e.store.DB = meter

	today := now.Format(time.DateOnly)
	year := yearStart(now).Format(time.DateOnly)
	ninety := now.AddDate(0, 0, -89).Format(time.DateOnly)
	type path struct {
		name string
		do   func(ts tenantOfSize) resp
	}
	get := func(who func(ts tenantOfSize) *client, p string) func(ts tenantOfSize) resp {
		return func(ts tenantOfSize) resp { return who(ts).do("GET", strings.ReplaceAll(p, "{pid}", ts.pid), nil) }
	}
	owner := func(ts tenantOfSize) *client { return ts.owner }
	referrer := func(ts tenantOfSize) *client { return ts.ref }
	paths := []path{
		{"staff list", get(owner, "/v1/referrals?limit=25")},
		{"overdue list", get(owner, "/v1/referrals?overdue=true&limit=25")},
		{"referrer list", get(referrer, "/v1/referrals?limit=25")},
		{"referrer list, a status its newest lack", get(referrer, "/v1/referrals?limit=25&status=closed")},
		{"queue counts", get(owner, "/v1/queue")},
		{"metrics, a year by source", get(owner, "/v1/metrics?groupBy=source&from="+year+"&to="+today)},
		{"metrics, a year by week", get(owner, "/v1/metrics?groupBy=week&from="+year+"&to="+today)},
		{"metrics, 90 days by source", get(owner, "/v1/metrics?groupBy=source&from="+ninety+"&to="+today)},
		{"partner scorecard", get(owner, "/v1/partners/{pid}/scorecard")},
		{"referrer scorecard", get(referrer, "/v1/scorecard")},
		{"audit trail", func(ts tenantOfSize) resp { return ts.owner.do("GET", "/v1/audit?date="+ts.auditDay, nil) }},
		{"status lookup", func(ts tenantOfSize) resp {
			return e.client().do("POST", "/v1/status-lookups", map[string]string{"code": ts.code, "dateOfBirth": ts.dob})
		}},
	}
	var report []string
	for _, p := range paths {
		var units [2][2]float64
		for i, ts := range []tenantOfSize{small, big} {
			meter.take()
			r := p.do(ts)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", p.name, r.status, r.raw)
			}
			units[i][0], units[i][1] = meter.take()
		}
		report = append(report, fmt.Sprintf("%-45s %5.1f RCU %4.1f WCU | %5.1f RCU %4.1f WCU", p.name, units[0][0], units[0][1], units[1][0], units[1][1]))
		if units[0] != units[1] {
			t.Errorf("%s: %v RCU + %v WCU at 180 referrals, %v RCU + %v WCU at 1,800: not flat", p.name, units[0][0], units[0][1], units[1][0], units[1][1])
		}
	}
	sort.Strings(report)
	t.Logf("capacity per request, 180 | 1,800 referrals:\n%s", strings.Join(report, "\n"))
	// The answers are the tenants' own.
	q := big.owner.do("GET", "/v1/queue", nil)
	if c := q.body["counts"].(map[string]any); c["accepted"].(float64) != 64 || q.body["overdue"].(float64) != 104 {
		t.Fatalf("queue %s", q.raw)
	}
	m := small.owner.do("GET", "/v1/metrics?groupBy=source&from="+year+"&to="+today, nil)
	if tot := m.body["total"].(map[string]any); tot["received"].(float64) != 180 {
		t.Fatalf("metrics %s", m.raw)
	}
}
